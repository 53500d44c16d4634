import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { brokersFromEnv, createKafka, messagingMetrics, OutboxRelay } from '@wxpay/messaging';
import { type HealthRegistry, type Logger, type Metrics } from '@wxpay/observability';
import { type Admin, type Kafka } from 'kafkajs';
import { type DataSource } from 'typeorm';
import { DATA_SOURCE, HEALTH, KAFKA, LOGGER, METRICS } from './tokens';

export interface MessagingModuleOptions {
  service: string;
  /** Run the outbox relay in this process (services that emit events). */
  relay: boolean;
  brokers?: string[];
}

class RelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    this.relay = new OutboxRelay({
      dataSource: this.dataSource,
      kafka: this.kafka,
      logger: this.logger,
      metrics: messagingMetrics(this.metrics),
    });
    await this.relay.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}

/** Readiness asks the cluster for its metadata over one admin connection, closed on shutdown. */
class KafkaHealthCheck implements OnApplicationShutdown {
  private readonly admin: Admin;
  private connected?: Promise<void>;
  constructor(@Inject(KAFKA) kafka: Kafka, @Inject(HEALTH) health: HealthRegistry) {
    this.admin = kafka.admin();
    health.register('kafka', () => this.check(), { timeoutMs: 3000 });
  }
  private async check(): Promise<void> {
    this.connected ??= this.admin.connect();
    await this.connected;
    await this.admin.describeCluster();
  }
  async onApplicationShutdown(): Promise<void> {
    if (this.connected) await this.admin.disconnect();
  }
}

/** The service's Kafka client (kafkajs, logging into pino), its outbox relay, and a `kafka` readiness check. */
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
          useFactory: (logger: Logger) =>
            createKafka({ clientId: options.service, brokers: options.brokers ?? brokersFromEnv(), logger }),
        },
        KafkaHealthCheck,
        ...(options.relay ? [RelayLifecycle] : []),
      ],
      exports: [KAFKA],
    };
  }
}
