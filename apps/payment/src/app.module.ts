import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { type HealthRegistry, type Logger, type Metrics } from '@wxpay/observability';
import {
  DATA_SOURCE,
  DatabaseModule,
  HEALTH,
  LOGGER,
  MessagingModule,
  METRICS,
  RuntimeModule,
} from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { buildPorts } from './composition/build-ports';
import { createPaymentCore } from './payment-core.module';
import { PaymentRuntime } from './payment-jobs';
import { PAYMENT_CORE, PAYMENT_METRICS, PAYMENT_OPTIONS, type PaymentAppOptions } from './composition/tokens';
import { type PaymentMetrics } from './payment-metrics';
import { WebhookErrorFilter } from './api/webhook-error.filter';
import { SERVICE_NAME } from './config';
import { PAYMENT_MIGRATIONS } from './persistence/migrations';
import { WebhookIntake } from './use-cases/webhooks/webhook-intake.service';
import { WechatPayWebhookController } from './api/wechatpay-webhook.controller';

/** The payment service: runtime (logs, metrics, health), its database and outbox relay, webhooks and gRPC. */
@Module({})
export class PaymentAppModule {
  static forRoot(options: PaymentAppOptions): DynamicModule {
    return {
      module: PaymentAppModule,
      imports: [
        RuntimeModule.forRoot(options.parts),
        DatabaseModule.forRoot({
          service: SERVICE_NAME,
          migrations: PAYMENT_MIGRATIONS,
          url: options.databaseUrl,
          poolSize: 24,
        }),
        MessagingModule.forRoot({ service: SERVICE_NAME, relay: true, brokers: options.brokers }),
      ],
      controllers: [WechatPayWebhookController],
      providers: [
        { provide: PAYMENT_OPTIONS, useValue: options },
        {
          provide: PAYMENT_CORE,
          inject: [DATA_SOURCE, LOGGER, METRICS, HEALTH],
          useFactory: async (ds: DataSource, logger: Logger, metrics: Metrics, health: HealthRegistry) => {
            const ports = await buildPorts(
              options.config,
              ds,
              options.tls,
              logger,
              health,
              options.ports ?? {},
            );
            const core = createPaymentCore({
              ds,
              config: options.config,
              ports: ports.ports,
              parser: ports.parser,
              logger,
              metrics,
            });
            return { core, ports };
          },
        },
        {
          provide: PAYMENT_METRICS,
          inject: [PAYMENT_CORE],
          useFactory: (built: { core: { metrics: PaymentMetrics } }) => built.core.metrics,
        },
        { provide: APP_FILTER, useClass: WebhookErrorFilter },
        {
          provide: WebhookIntake,
          inject: [PAYMENT_CORE],
          useFactory: (built: { core: { intake: WebhookIntake } }) => built.core.intake,
        },
        PaymentRuntime,
      ],
    };
  }
}
