import { Module, type DynamicModule } from '@nestjs/common';
import { DatabaseModule, MessagingModule, RuntimeModule, type RuntimeParts } from '@wxpay/runtime';
import { SERVICE_NAME } from './config';
import { REPAYMENT_MIGRATIONS } from './persistence/migrations';
import { RepaymentModule } from './repayment.module';
import { type RepaymentRunOptions } from './repayment-options';

export interface RepaymentAppOptions extends RepaymentRunOptions {
  parts: RuntimeParts;
}

/** The repayment service: runtime (logs, metrics, health), its database and outbox relay, gRPC, consumers, scheduler. */
@Module({})
export class RepaymentAppModule {
  static forRoot(options: RepaymentAppOptions): DynamicModule {
    return {
      module: RepaymentAppModule,
      imports: [
        RuntimeModule.forRoot(options.parts),
        DatabaseModule.forRoot({
          service: SERVICE_NAME,
          migrations: REPAYMENT_MIGRATIONS,
          url: options.databaseUrl,
          poolSize: 24,
        }),
        MessagingModule.forRoot({ service: SERVICE_NAME, relay: true, connection: options.kafka }),
        RepaymentModule.forRoot(options),
      ],
    };
  }
}
