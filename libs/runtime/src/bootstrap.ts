import { NestFactory } from '@nestjs/core';
import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { type AbstractHttpAdapter } from '@nestjs/core';
import { UnknownElementException } from '@nestjs/core/errors/exceptions/unknown-element.exception';
import { countIdempotencyOutcomes, serveGrpc, type GrpcEdgeOptions } from '@wxpay/grpc';
import { NestPinoLogger } from '@wxpay/observability';
import { IdempotencyStore, isDatabaseUnavailable } from '@wxpay/persistence';
import { type DataSource } from 'typeorm';
import { reportCertificateExpiry } from './certificate-expiry';
import { ConfigError } from './config';
import { gatewayEnvOf } from './gateway-env';
import { instrumentHttpServer } from './http-metrics';
import { type RuntimeParts } from './runtime.module';
import {
  GracefulShutdown,
  shutdownSettingsFromEnv,
  withGracefulShutdown,
  type ShutdownSettings,
} from './shutdown';
import { DATA_SOURCE } from './tokens';

/** The gRPC edge as a service declares it; logging, metrics, outage mapping and idempotency come from here. */
export type ServiceGrpcEdge = Omit<
  GrpcEdgeOptions,
  'logger' | 'metrics' | 'isUnavailable' | 'idempotency'
> & {
  /** The keyed hash of requests that hold card data (the vault's), for @Idempotent({ keyed: true }). */
  keyedFingerprint?: (operation: string, canonicalRequest: string) => string;
};

export interface ServiceBootstrap {
  parts: RuntimeParts;
  /** The app's root module; it imports RuntimeModule.forRoot(parts) and whatever else it needs. */
  module: Type<unknown> | DynamicModule;
  httpPort: number;
  httpHost: string;
  /** Keep the raw request body (webhook signature checks need the exact bytes). */
  rawBody?: boolean;
  /**
   * The HTTP stack when not Nest's default (Express), e.g. a FastifyAdapter for a service whose HTTP intake is a
   * hot path. Health and metrics are served on it the same way.
   */
  httpAdapter?: AbstractHttpAdapter;
  /** The service's gRPC edge, declared once the app exists (it may read the app's providers). */
  grpc?: (app: INestApplication) => ServiceGrpcEdge;
  /** How it stops; by default SHUTDOWN_DRAIN_MS, SHUTDOWN_GRPC_GRACE_MS and SHUTDOWN_TIMEOUT_MS. */
  shutdown?: ShutdownSettings;
}

/** A provider the app may not have (a service without a database); Nest's get throws for a missing one. */
function providedOrUndefined<T>(app: INestApplication, token: symbol): T | undefined {
  try {
    return app.get<T>(token, { strict: false });
  } catch (e) {
    if (e instanceof UnknownElementException) return undefined;
    throw e;
  }
}

const grpcPorts = new WeakMap<INestApplication, number>();

/** The gRPC port an app started by bootstrapService is bound to (the one picked when configured as 0). */
export function grpcPortOf(app: INestApplication): number | undefined {
  return grpcPorts.get(app);
}

/**
 * Starts a service as a Nest application: pino logging, a graceful shutdown on SIGTERM/SIGINT (readiness off, a
 * drain, gRPC then background work, HTTP, consumers, relay and database stopped in order, all of it bounded: see
 * GracefulShutdown), the gRPC edge (GrpcTransport with the caller guard, idempotency, validation and the error
 * model; infrastructure outages answered UNAVAILABLE) and the HTTP server (health, metrics, webhooks).
 */
export async function bootstrapService(opts: ServiceBootstrap): Promise<INestApplication> {
  // Read before anything starts: a bad setting refuses the start rather than surfacing at the first SIGTERM.
  const shutdown = new GracefulShutdown(
    opts.shutdown ?? shutdownSettingsFromEnv(),
    opts.parts.health,
    opts.parts.logger,
  );
  const options = {
    logger: new NestPinoLogger(opts.parts.logger),
    rawBody: opts.rawBody ?? false,
    abortOnError: false,
  };
  const module = withGracefulShutdown(opts.module, shutdown);
  const app = opts.httpAdapter
    ? await NestFactory.create(module, opts.httpAdapter, options)
    : await NestFactory.create(module, options);
  // Nest's own signal handling runs the phases; once they are through, process.exit(0) rather than raising the
  // signal again, so pino's 'exit' flush runs and a clean stop reads as one.
  app.enableShutdownHooks([], { useProcessExit: true });
  // Before any route is registered (app.init below, or listen): every request of every service is timed.
  instrumentHttpServer(app, opts.parts.metrics);
  if (opts.grpc) {
    const edge = opts.grpc(app);
    // The services' configuration refuses GRPC_TLS=off outside development already; this holds for any other way
    // an edge is built without TLS (a test harness, a future service).
    if (!edge.tls.enabled && gatewayEnvOf() !== 'development') {
      throw new ConfigError('grpc', [
        'GRPC_TLS: gRPC without TLS is refused because GATEWAY_ENV is production (the default)',
      ]);
    }
    if (edge.tls.enabled) reportCertificateExpiry(opts.parts.metrics, 'grpc', edge.tls.cert);
    const dataSource = providedOrUndefined<DataSource>(app, DATA_SOURCE);
    const store = dataSource ? app.get(IdempotencyStore) : undefined;
    if (store) countIdempotencyOutcomes(store, opts.parts.metrics);
    const transport = serveGrpc(app, {
      ...edge,
      shutdownGraceMs: edge.shutdownGraceMs ?? shutdown.settings.grpcGraceMs,
      logger: opts.parts.logger,
      metrics: opts.parts.metrics,
      isUnavailable: isDatabaseUnavailable,
      idempotency:
        dataSource && store ? { store, db: dataSource, keyedFingerprint: edge.keyedFingerprint } : undefined,
    });
    // Every module is initialised (state loaded, clients connected) before the first call is accepted.
    await app.init();
    await app.startAllMicroservices();
    shutdown.stopsGrpc(transport);
    if (transport.port !== undefined) grpcPorts.set(app, transport.port);
    opts.parts.logger.info(
      { grpc: edge.address, port: transport.port, tls: edge.tls.enabled },
      'gRPC serving',
    );
  }
  await app.listen(opts.httpPort, opts.httpHost);
  opts.parts.logger.info({ http: `${opts.httpHost}:${opts.httpPort}` }, 'service started');
  return app;
}
