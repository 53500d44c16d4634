import {
  Global,
  Inject,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ConsumerLagPoller,
  createKafka,
  kafkaConnectionFromEnv,
  messagingMetrics,
  OutboxRelay,
  registerOutboxBacklog,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaConnection,
} from '@wxpay/messaging';
import { type HealthRegistry, type Logger, type Metrics } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { ConfigError } from './config';
import { DevSwitches, refuseDevSwitches } from './gateway-env';
import { eventSignerForService } from './event-signing-config';
import { DATA_SOURCE, HEALTH, KAFKA, LOGGER, METRICS } from './tokens';

export interface MessagingModuleOptions {
  service: string;
  /** Run the outbox relay in this process (services that emit events). */
  relay: boolean;
  /** Tests pass their own; the service reads KAFKA_* (kafkaConnectionFromEnv). */
  connection?: KafkaConnection;
  /** Where the relay's EVENT_SIGNING_* settings are read (process.env; a test's in-process service its own). */
  signingEnv?: NodeJS.ProcessEnv;
  /** How often consumer lag is read (ms, 1000–300000); 0 turns it off. Default KAFKA_LAG_POLL_MS, else 15000. */
  lagPollMs?: number;
}

const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** KAFKA_LAG_POLL_MS: a whole number of milliseconds, 0 for off; out-of-range values are clamped by the poller. */
export function lagPollMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.KAFKA_LAG_POLL_MS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError('messaging', [
      `KAFKA_LAG_POLL_MS must be a whole number of milliseconds (got '${raw}')`,
    ]);
  }
  return Number(raw);
}

class RelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;
  constructor(
    @Inject(KAFKA) private readonly kafka: KafkaClient,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    this.relay = new OutboxRelay({
      dataSource: this.dataSource,
      kafka: this.kafka,
      logger: this.logger,
      metrics: messagingMetrics(this.metrics),
      signer: eventSignerForService(this.options.service, this.options.signingEnv),
    });
    await this.relay.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}

/**
 * Lag of this service's consumer groups (found by the Kafka client id, which is the service's name), read on
 * its own admin connection every interval, stopped on shutdown before the Kafka client goes.
 */
class ConsumerLagLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private poller?: ConsumerLagPoller;
  constructor(
    @Inject(KAFKA) private readonly kafka: KafkaClient,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
  ) {}
  onApplicationBootstrap(): void {
    const intervalMs = this.options.lagPollMs ?? lagPollMsFromEnv();
    if (intervalMs === 0) return;
    this.poller = new ConsumerLagPoller({
      admin: this.kafka.admin(),
      metrics: this.metrics,
      logger: this.logger,
      clientId: this.options.service,
      intervalMs,
    });
    this.poller.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.poller?.stop();
  }
}

/** The outbox's backlog and the age of its oldest row, read from the service's database at each scrape. */
class OutboxBacklogGauges {
  constructor(
    @Inject(METRICS) metrics: Metrics,
    @Optional() @Inject(DATA_SOURCE) dataSource: DataSource | undefined,
  ) {
    if (dataSource) registerOutboxBacklog(metrics, dataSource);
  }
}

/** Readiness asks the cluster for its metadata over one admin connection, closed on shutdown. */
class KafkaHealthCheck implements OnApplicationShutdown {
  private readonly admin: KafkaAdmin;
  constructor(@Inject(KAFKA) kafka: KafkaClient, @Inject(HEALTH) health: HealthRegistry) {
    this.admin = kafka.admin();
    health.register('kafka', () => this.check(), { timeoutMs: 3000 });
  }
  private async check(): Promise<void> {
    await this.admin.brokerCount();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.admin.close();
  }
}

/**
 * The service's Kafka client (connected as the service's own principal), its outbox relay, a `kafka` readiness check, and the
 * operator's gauges of the pipeline: consumer lag and the outbox backlog.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: KAFKA,
          inject: [LOGGER],
          useFactory: (logger: Logger) => {
            refuseDevSwitches(options.service, [DevSwitches.plaintextKafka]);
            return createKafka({
              clientId: options.service,
              connection: options.connection ?? kafkaConnectionFromEnv(),
              logger,
            });
          },
        },
        { provide: MESSAGING_OPTIONS, useValue: options },
        KafkaHealthCheck,
        ConsumerLagLifecycle,
        OutboxBacklogGauges,
        ...(options.relay ? [RelayLifecycle] : []),
      ],
      exports: [KAFKA],
    };
  }
}
