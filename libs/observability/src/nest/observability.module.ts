import { Controller, DynamicModule, Get, Module, Res, Type } from '@nestjs/common';
import { ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from '../health/health-registry';
import { writeLiveness, writeReadiness } from '../health/http-endpoints';
import { writeMetrics } from '../metrics/metrics-handler';

export interface ObservabilityEndpointsOptions {
  health: HealthRegistry;
  /** Served at `/metrics` when given; otherwise that path is a 404. */
  registry?: Registry;
}

/** The Node response under the adapter's own (Fastify's reply keeps it as `raw`; Express's is the response). */
function nodeResponse(res: ServerResponse | { raw: ServerResponse }): ServerResponse {
  return 'raw' in res ? res.raw : res;
}

/**
 * A controller serving `GET /health/live`, `GET /health/ready` and `GET /metrics` on the Nest HTTP adapter
 * (Express, or Fastify: its reply's `raw`). The handlers write to the Node response, so interceptors and global
 * prefixes do not reshape them; exclude these paths from `setGlobalPrefix` if the app uses one.
 */
export function createObservabilityController(options: ObservabilityEndpointsOptions): Type<unknown> {
  const { health, registry } = options;

  @Controller()
  class ObservabilityController {
    @Get('health/live')
    live(@Res() res: ServerResponse): void {
      writeLiveness(health, nodeResponse(res));
    }

    @Get('health/ready')
    ready(@Res() res: ServerResponse): Promise<void> {
      return writeReadiness(health, nodeResponse(res));
    }

    @Get('metrics')
    async metrics(@Res() reply: ServerResponse): Promise<void> {
      const res = nodeResponse(reply);
      if (registry) return writeMetrics(registry, res);
      res.statusCode = 404;
      res.end();
    }
  }
  return ObservabilityController;
}

/** `imports: [ObservabilityModule.forRoot({ health, registry })]` */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityEndpointsOptions): DynamicModule {
    return { module: ObservabilityModule, controllers: [createObservabilityController(options)] };
  }
}
