import { NestFactory } from '@nestjs/core';
import { NestPinoLogger } from '@wxpay/observability';
import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { type RuntimeParts } from './runtime.module';

export interface ServiceBootstrap {
  parts: RuntimeParts;
  /** The app's root module; it imports RuntimeModule.forRoot(parts) and whatever else it needs. */
  module: Type<unknown> | DynamicModule;
  httpPort: number;
  httpHost: string;
  /** Keep the raw request body (webhook signature checks need the exact bytes). */
  rawBody?: boolean;
}

/**
 * Starts a service as a Nest application: pino logging, shutdown hooks (SIGTERM/SIGINT run every
 * OnApplicationShutdown in order), and the HTTP server (health, metrics, webhooks).
 */
export async function bootstrapService(opts: ServiceBootstrap): Promise<INestApplication> {
  const app = await NestFactory.create(opts.module, {
    logger: new NestPinoLogger(opts.parts.logger),
    rawBody: opts.rawBody ?? false,
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.listen(opts.httpPort, opts.httpHost);
  opts.parts.logger.info({ http: `${opts.httpHost}:${opts.httpPort}` }, 'service started');
  return app;
}
