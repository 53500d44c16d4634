import { type KafkaConnection } from '@wxpay/messaging';
import { Module, type DynamicModule } from '@nestjs/common';
import { DatabaseModule, MessagingModule, RuntimeModule, type RuntimeParts } from '@wxpay/runtime';
import { SERVICE_NAME } from './config';
import { PaymentModule } from './payment.module';
import { type PaymentRunOptions } from './payment-options';
import { PAYMENT_MIGRATIONS } from './persistence/migrations';

export interface PaymentAppOptions extends PaymentRunOptions {
  parts: RuntimeParts;
  /** Tests pass their own database and brokers; the service uses PAYMENT_DATABASE_URL and KAFKA_BROKERS. */
  databaseUrl?: string;
  kafka?: KafkaConnection;
  /** Tests running the service in-process pass its EVENT_SIGNING_* settings; the service reads process.env. */
  eventSigningEnv?: NodeJS.ProcessEnv;
}

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
        MessagingModule.forRoot({
          service: SERVICE_NAME,
          relay: true,
          connection: options.kafka,
          signingEnv: options.eventSigningEnv,
        }),
        PaymentModule.forRoot(options),
      ],
    };
  }
}
