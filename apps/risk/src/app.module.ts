import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { brokersFromEnv, messagingMetrics } from '@wxpay/messaging';
import { type HealthRegistry, type Metrics } from '@wxpay/observability';
import {
  DATA_SOURCE,
  DatabaseModule,
  HEALTH,
  KAFKA,
  LOGGER,
  MessagingModule,
  METRICS,
  RuntimeModule,
  type RuntimeParts,
} from '@wxpay/runtime';
import { type Kafka } from 'kafkajs';
import { type Logger } from 'pino';
import { type DataSource } from 'typeorm';
import { GrpcTokenSuspender } from './ports/token-suspender.port';
import { type RiskConfig } from './config';
import { RISK_MIGRATIONS } from './persistence/migrations';
import { RiskRuntime } from './risk-core.module';

const RISK_CONFIG = Symbol('RISK_CONFIG');

/** Starts the risk runtime once Nest has the database and Kafka ready, and stops it before they close. */
class RiskLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runtime?: RiskRuntime;
  private suspender?: GrpcTokenSuspender;

  constructor(
    @Inject(RISK_CONFIG) private readonly config: RiskConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(HEALTH) private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const tls = grpcTlsFromEnv('risk');
    this.suspender = new GrpcTokenSuspender(this.config.tokenizationAddress, tls);
    this.runtime = await new RiskRuntime({
      config: this.config,
      dataSource: this.dataSource,
      kafka: this.kafka,
      logger: this.logger,
      metrics: this.metrics,
      health: this.health,
      tls,
      suspender: this.suspender,
      // With the decision store thread, the outbox relay runs there, off the Evaluate event loop.
      relay:
        this.config.decisionStore === 'thread'
          ? { brokers: brokersFromEnv(), metrics: messagingMetrics(this.metrics) }
          : undefined,
    }).start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime?.stop();
    this.suspender?.close();
  }
}

export function riskAppModule(parts: RuntimeParts, config: RiskConfig, databaseUrl?: string): DynamicModule {
  @Module({})
  class RiskAppModule {}
  return {
    module: RiskAppModule,
    imports: [
      RuntimeModule.forRoot(parts),
      DatabaseModule.forRoot({ service: 'risk', migrations: RISK_MIGRATIONS, url: databaseUrl }),
      MessagingModule.forRoot({ service: 'risk', relay: config.decisionStore === 'inline' }),
    ],
    providers: [{ provide: RISK_CONFIG, useValue: config }, RiskLifecycle],
  };
}
