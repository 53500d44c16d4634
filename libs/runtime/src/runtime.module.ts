import { Global, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import {
  createLogger,
  createMetrics,
  HealthRegistry,
  ObservabilityModule,
  stopTracing,
  type Logger,
  type LogLevel,
  type Metrics,
} from '@wxpay/observability';
import { registerReadinessGauges } from './readiness-gauge';
import { HEALTH, LOGGER, METRICS } from './tokens';

export interface RuntimeParts {
  logger: Logger;
  metrics: Metrics;
  health: HealthRegistry;
}

export function createRuntimeParts(service: string, options: { level?: LogLevel } = {}): RuntimeParts {
  const metrics = createMetrics({ service });
  const health = new HealthRegistry();
  registerReadinessGauges(metrics, health);
  return { logger: createLogger({ service, level: options.level }), metrics, health };
}

/**
 * Sends the spans still buffered when the service stops (nothing to do when tracing is off). It runs after the
 * relay's and the consumers' last work: Nest shuts global modules down last, in the reverse of their order, and
 * every app imports RuntimeModule before DatabaseModule and MessagingModule.
 */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}

/**
 * The logger, metrics registry and health registry of one service, global to its Nest app, plus the
 * `/health/live`, `/health/ready` and `/metrics` endpoints on its HTTP server.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(parts: RuntimeParts): DynamicModule {
    return {
      module: RuntimeModule,
      imports: [ObservabilityModule.forRoot({ health: parts.health, registry: parts.metrics.registry })],
      providers: [
        { provide: LOGGER, useValue: parts.logger },
        { provide: METRICS, useValue: parts.metrics },
        { provide: HEALTH, useValue: parts.health },
        TracingShutdown,
      ],
      exports: [LOGGER, METRICS, HEALTH],
    };
  }
}
