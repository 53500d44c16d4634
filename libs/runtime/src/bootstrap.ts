import { NestFactory } from '@nestjs/core';
import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { type AbstractHttpAdapter } from '@nestjs/core';
import { countIdempotencyOutcomes, serveGrpc, type GrpcEdgeOptions } from '@wxpay/grpc';
import { NestPinoLogger } from '@wxpay/observability';
import { IdempotencyStore, isDatabaseUnavailable } from '@wxpay/persistence';
import { type DataSource } from 'typeorm';
import { reportCertificateExpiry } from './certificate-expiry';
import { ConfigError } from './config';
import { gatewayEnvOf } from './gateway-env';
import { instrumentHttpServer } from './http-metrics';
import { type RuntimeParts } from './runtime.module';
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
}

const grpcPorts = new WeakMap<INestApplication, number>();

/** The gRPC port an app started by bootstrapService is bound to (the one picked when configured as 0). */
export function grpcPortOf(app: INestApplication): number | undefined {
  return grpcPorts.get(app);
}

/**
 * Starts a service as a Nest application: pino logging, shutdown hooks (SIGTERM/SIGINT run every
 * OnApplicationShutdown in order, the gRPC transport first), the gRPC edge (GrpcTransport with the caller guard,
 * idempotency, validation and the error model; infrastructure outages answered UNAVAILABLE) and the HTTP server
 * (health, metrics, webhooks).
 */
export async function bootstrapService(opts: ServiceBootstrap): Promise<INestApplication> {
  const options = {
    logger: new NestPinoLogger(opts.parts.logger),
    rawBody: opts.rawBody ?? false,
    abortOnError: false,
  };
  const app = opts.httpAdapter
    ? await NestFactory.create(opts.module, opts.httpAdapter, options)
    : await NestFactory.create(opts.module, options);
  app.enableShutdownHooks();
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
    const dataSource = app.get<DataSource>(DATA_SOURCE, { strict: false });
    const store = dataSource ? app.get(IdempotencyStore) : undefined;
    if (store) countIdempotencyOutcomes(store, opts.parts.metrics);
    const transport = serveGrpc(app, {
      ...edge,
      logger: opts.parts.logger,
      metrics: opts.parts.metrics,
      isUnavailable: isDatabaseUnavailable,
      idempotency:
        dataSource && store ? { store, db: dataSource, keyedFingerprint: edge.keyedFingerprint } : undefined,
    });
    // Every module is initialised (state loaded, clients connected) before the first call is accepted.
    await app.init();
    await app.startAllMicroservices();
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
