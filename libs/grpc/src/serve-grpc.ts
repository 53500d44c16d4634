import { type INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { type MicroserviceOptions, type NestMicroservice } from '@nestjs/microservices';
import { LATENCY_BUCKETS_SECONDS, type Metrics } from '@wxpay/observability';
import { type Logger } from 'pino';
import { type Histogram } from 'prom-client';
import { CallerGuard } from './callers';
import { GrpcErrorFilter } from './error-filter';
import { type ErrorStatusTable } from './error-status';
import { type IdempotencyKeys } from './call-context';
import { methodNameOf, type ServiceDefinition } from './service-definition';
import { type GrpcTlsConfig } from './tls-config';
import { GrpcTransport } from './transport';
import { refuseClassPipes } from './pass-through-arguments';

/** What a service declares about its gRPC edge. */
export interface GrpcEdgeOptions {
  /** host:port (port 0: any free port, read back from the returned transport). */
  address: string;
  tls: GrpcTlsConfig;
  /** The generated definitions it serves, and their .proto files (for reflection). */
  services: readonly ServiceDefinition[];
  protos: readonly string[];
  /** The service's error codes and their statuses. */
  errors: ErrorStatusTable<string>;
  /** True for a failure of the service's own infrastructure (answered UNAVAILABLE). */
  isUnavailable: (e: unknown) => boolean;
  /** Where @Idempotent methods keep their keys; a service with such methods and no store fails their calls. */
  idempotency?: IdempotencyKeys;
  logger: Logger;
  metrics?: Metrics;
  shutdownGraceMs?: number;
}

/**
 * Observes each call on its (method, status) child of the histogram, looked up once per pair: prom-client would
 * otherwise validate and hash the labels on every call.
 */
function callObserver(calls: Histogram<'method' | 'code'>) {
  const children = new Map<string, Histogram.Internal<'method' | 'code'>>();
  return (method: string, code: number, seconds: number) => {
    const key = `${method} ${code}`;
    let child = children.get(key);
    if (!child) {
      child = calls.labels({ method: methodNameOf(method), code: String(code) });
      children.set(key, child);
    }
    child.observe(seconds);
  };
}

/**
 * Connects the gateway's gRPC transport to a Nest application with the edge every service shares, in this
 * order per call: the caller guard (deny by default), the idempotency interceptor, the controller's validation
 * pipe, the controller, and the error filter that turns any failure into its status. There are no global pipes:
 * validation is per method (@ValidRequest), and a method without a pipe skips Nest's pipes stage. Call before
 * `app.startAllMicroservices()`.
 */
export function serveGrpc(app: INestApplication, edge: GrpcEdgeOptions): GrpcTransport {
  const calls = edge.metrics?.histogram({
    name: 'grpc_server_seconds',
    help: 'gRPC calls served, by method and status code (guard refusals and validation errors included)',
    labelNames: ['method', 'code'],
    // Two finer buckets below the shared ones: an answer from memory (risk's Evaluate) takes 0.1–0.5 ms, and its
    // percentiles would otherwise all read "≤ 0.5 ms".
    buckets: [0.0001, 0.00025, ...LATENCY_BUCKETS_SECONDS],
  });
  refuseClassPipes(app.get(ModulesContainer));
  const transport = new GrpcTransport({
    address: edge.address,
    tls: edge.tls,
    services: edge.services,
    reflectionProtos: edge.protos,
    logger: edge.logger,
    shutdownGraceMs: edge.shutdownGraceMs,
    idempotency: edge.idempotency,
    onCallFinished: calls ? callObserver(calls) : undefined,
  });
  if (!edge.tls.enabled) {
    edge.logger.warn(
      'gRPC WITHOUT TLS (GRPC_TLS=off): callers are not authenticated and every method is open',
    );
  }
  // Deferred: Nest binds the controllers' handlers when the microservice starts, after the global guard,
  // interceptor and filter below are in place (bound at connect time, they would run without them). The app has
  // already run every module's init hooks, so the microservice must not run them again when it starts.
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    { strategy: transport },
    { deferInitialization: true },
  );
  (microservice as unknown as NestMicroservice).setIsInitHookCalled(true);
  const reflector = app.get(Reflector);
  microservice.useGlobalGuards(
    new CallerGuard(reflector, { logger: edge.logger, authenticate: edge.tls.enabled }),
  );
  microservice.useGlobalFilters(
    new GrpcErrorFilter({ table: edge.errors, isUnavailable: edge.isUnavailable, logger: edge.logger }),
  );
  return transport;
}
