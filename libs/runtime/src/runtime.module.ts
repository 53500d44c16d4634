import { Global, Module, type DynamicModule } from '@nestjs/common';
import {
  createLogger,
  createMetrics,
  HealthRegistry,
  ObservabilityModule,
  type Logger,
  type LogLevel,
  type Metrics,
} from '@wxpay/observability';
import { HEALTH, LOGGER, METRICS } from './tokens';

export interface RuntimeParts {
  logger: Logger;
  metrics: Metrics;
  health: HealthRegistry;
}

export function createRuntimeParts(service: string, options: { level?: LogLevel } = {}): RuntimeParts {
  return {
    logger: createLogger({ service, level: options.level }),
    metrics: createMetrics({ service }),
    health: new HealthRegistry(),
  };
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
      ],
      exports: [LOGGER, METRICS, HEALTH],
    };
  }
}
