import { Module, type DynamicModule } from '@nestjs/common';
import { DatabaseModule, MessagingModule, RuntimeModule, type RuntimeParts } from '@wxpay/runtime';
import { RISK_MIGRATIONS } from './persistence/migrations';
import { RiskModule } from './risk.module';
import { SERVICE_NAME, type RiskRunOptions } from './risk-options';

export interface RiskAppOptions extends RiskRunOptions {
  parts: RuntimeParts;
  /** Tests pass their own database; the service uses RISK_DATABASE_URL. */
  databaseUrl?: string;
}

/**
 * The risk service: health/metrics over HTTP, RiskEngine over gRPC, decisions and alerts through the outbox
 * relay (in the decision store thread with RISK_DECISION_STORE=thread, here with inline).
 */
@Module({})
export class RiskAppModule {
  static forRoot(options: RiskAppOptions): DynamicModule {
    const relayHere = options.config.decisionStore === 'inline' && (options.relay ?? true);
    return {
      module: RiskAppModule,
      imports: [
        RuntimeModule.forRoot(options.parts),
        DatabaseModule.forRoot({
          service: SERVICE_NAME,
          migrations: RISK_MIGRATIONS,
          url: options.databaseUrl,
        }),
        MessagingModule.forRoot({ service: SERVICE_NAME, relay: relayHere, connection: options.kafka }),
        RiskModule.forRoot(options),
      ],
    };
  }
}
