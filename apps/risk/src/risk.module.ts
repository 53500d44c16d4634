import { Module, type DynamicModule } from '@nestjs/common';
import { RiskEngineController } from './api/risk-engine.controller';
import { RiskJobs } from './jobs/risk-jobs';
import { RiskStreamRepository } from './persistence/risk-stream.repository';
import { TokenSuspensionRepository } from './persistence/token-suspension.repository';
import { RiskCoreModule } from './risk-core.module';
import { type RiskRunOptions } from './risk-options';

/** Risk as a service: its core, the RiskEngine controller (gRPC) and what runs beside it. */
@Module({})
export class RiskModule {
  static forRoot(options: RiskRunOptions): DynamicModule {
    return {
      module: RiskModule,
      imports: [RiskCoreModule.forRoot(options)],
      controllers: [RiskEngineController],
      providers: [TokenSuspensionRepository, RiskStreamRepository, RiskJobs],
    };
  }
}
