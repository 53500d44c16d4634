import { Module, type DynamicModule } from '@nestjs/common';
import { ClockController } from './api/admin/clock.controller';
import { AutoRepaymentController } from './api/auto-repayment.controller';
import { RepaymentCoreModule } from './repayment-core.module';
import { RepaymentJobs } from './repayment-jobs';
import { type RepaymentRunOptions } from './repayment-options';

/**
 * Repayment as a service: the AutoRepayment controller (gRPC), the business clock (HTTP, controllable only in
 * tests and demos) and the background work (consumers, scheduler).
 */
@Module({})
export class RepaymentModule {
  static forRoot(options: RepaymentRunOptions): DynamicModule {
    return {
      module: RepaymentModule,
      imports: [RepaymentCoreModule.forRoot(options)],
      controllers: [AutoRepaymentController, ClockController],
      providers: [RepaymentJobs],
    };
  }
}
