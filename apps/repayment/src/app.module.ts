import { Module, type DynamicModule } from '@nestjs/common';
import { type Logger } from '@wxpay/observability';
import {
  DATA_SOURCE,
  DatabaseModule,
  LOGGER,
  MessagingModule,
  RuntimeModule,
  type RuntimeParts,
} from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { ClockController } from './api/admin/clock.controller';
import { ControllableClock, systemClock, type Clock } from './persistence/business-clock.repository';
import { RepaymentRuntime } from './composition/repayment-runtime';
import { CLOCK, REPAYMENT_OPTIONS, type RepaymentAppOptions } from './composition/tokens';
import { SERVICE_NAME } from './config';
import { REPAYMENT_MIGRATIONS } from './persistence/migrations';

/** The repayment service: runtime (logs, metrics, health), its database and outbox relay, gRPC, consumers, scheduler. */
@Module({})
export class RepaymentAppModule {
  static forRoot(parts: RuntimeParts, options: RepaymentAppOptions): DynamicModule {
    return {
      module: RepaymentAppModule,
      imports: [
        RuntimeModule.forRoot(parts),
        DatabaseModule.forRoot({
          service: SERVICE_NAME,
          migrations: REPAYMENT_MIGRATIONS,
          url: options.databaseUrl,
          poolSize: 24,
        }),
        MessagingModule.forRoot({ service: SERVICE_NAME, relay: true, brokers: options.brokers }),
      ],
      controllers: [ClockController],
      providers: [
        { provide: REPAYMENT_OPTIONS, useValue: options },
        {
          provide: CLOCK,
          inject: [DATA_SOURCE, LOGGER],
          useFactory: async (ds: DataSource, logger: Logger): Promise<Clock> => {
            if (options.config.REPAYMENT_CLOCK !== 'controllable') return systemClock;
            logger.warn(
              'business time is controllable over HTTP (REPAYMENT_CLOCK=controllable): not for production',
            );
            const clock = new ControllableClock(ds);
            await clock.load();
            return clock;
          },
        },
        RepaymentRuntime,
      ],
    };
  }
}
