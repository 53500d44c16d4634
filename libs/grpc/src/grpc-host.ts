import {
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { maskPans } from '@wxpay/card';
import {
  addGrpcHealthAndReflection,
  extractTraceContext,
  isTracing,
  SpanKind,
  startSpan,
  withSpan,
  type GrpcHealthControl,
  type Span,
} from '@wxpay/observability';
import { type Logger } from 'pino';
import { withBufferReader } from './buffer-reader';
import { ServedCallContext, type CallContext, type IdempotencyKeys } from './call-context';
import { INTERNAL_ERROR, isStatusError } from './errors';
import { peerIdentity } from './identity';
import { loadProtos } from './proto';
import { serviceNameOf, type ServiceDefinition } from './service-definition';
import { type GrpcTlsConfig } from './tls-config';

/** Runs one call and answers its response, or throws a status error (`{ code, details, metadata }`). */
export type UnaryDispatch = (request: unknown, call: CallContext) => Promise<unknown>;

export interface GrpcHostOptions {
  logger: Logger;
  tls: GrpcTlsConfig;
  /** The .proto files of the served services, for server reflection; no reflection when empty. */
  reflectionProtos?: readonly string[];
  /** Observes each call's duration and final status (a Prometheus histogram). */
  onCallFinished?: (method: string, code: status, seconds: number) => void;
  /** Where this service's @Idempotent methods keep their keys (handed to each call). */
  idempotency?: IdempotencyKeys;
}

const TRACE_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The grpc-js server under every gateway service: mutual TLS, generated codecs, `grpc.health.v1` and reflection,
 * each call's context (peer identity read once per connection, deadline, trace id) and a graceful stop. What a
 * call does is the dispatch's business (the Nest transport runs the controller with its guards, interceptors,
 * pipes and filters); anything that escapes it without a status becomes a bare INTERNAL, logged with card
 * numbers masked.
 */
export class GrpcHost {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  private readonly services: string[] = [];
  private health?: GrpcHealthControl;

  constructor(private readonly opts: GrpcHostOptions) {}

  addService<S extends ServiceDefinition>(definition: S, dispatch: Record<keyof S, UnaryDispatch>): this {
    const implementation: UntypedServiceImplementation = {};
    const served: Record<string, S[keyof S]> = {};
    for (const [key, method] of Object.entries(definition)) {
      implementation[key] = this.unary(method.path, dispatch[key as keyof S]);
      served[key] = withBufferReader(method as S[keyof S]);
    }
    this.server.addService(served, implementation);
    this.services.push(serviceNameOf(definition));
    return this;
  }

  /** Binds and starts serving; returns the bound port (useful with port 0). Health turns SERVING here. */
  async listen(address: string): Promise<number> {
    const reflection = this.opts.reflectionProtos ?? [];
    this.health = addGrpcHealthAndReflection(
      this.server,
      reflection.length ? loadProtos([...reflection]) : {},
      reflection.length ? this.services : [],
      { reflection: reflection.length > 0 },
    );
    for (const name of this.services) this.health.setStatus(name, 'NOT_SERVING');
    const credentials = this.opts.tls.enabled
      ? ServerCredentials.createSsl(
          this.opts.tls.ca,
          [{ private_key: this.opts.tls.key, cert_chain: this.opts.tls.cert }],
          true,
        )
      : ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.health.setServing();
    for (const name of this.services) this.health.setStatus(name, 'SERVING');
    return port;
  }

  /** NOT_SERVING first (peers stop routing here), then in-flight calls finish, then a hard stop after the grace. */
  async stop(graceMs = 10_000): Promise<void> {
    this.health?.setNotServing();
    for (const name of this.services) this.health?.setStatus(name, 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.opts.logger.warn({ graceMs }, 'gRPC calls still in flight after the shutdown grace are cut');
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private unary(method: string, dispatch: UnaryDispatch) {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = process.hrtime.bigint();
      const span = isTracing() ? serverSpan(method, call) : undefined;
      const finish = (code: status) => {
        this.opts.onCallFinished?.(method, code, Number(process.hrtime.bigint() - started) / 1e9);
        span?.setAttribute('rpc.grpc.status_code', code);
        span?.end();
      };
      const deadline = call.getDeadline();
      const sentTrace = span?.spanContext().traceId ?? call.metadata.get('x-trace-id')[0];
      const context = new ServedCallContext(
        peerIdentity(call),
        call.metadata,
        deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined,
        method,
        this.opts.idempotency,
        typeof sentTrace === 'string' && TRACE_ID.test(sentTrace) ? sentTrace : undefined,
      );
      (span ? withSpan(span, () => dispatch(call.request, context)) : dispatch(call.request, context)).then(
        (response) => {
          finish(status.OK);
          callback(null, response);
        },
        (e: unknown) => {
          if (isStatusError(e)) {
            finish(e.code);
            callback(e, null);
            return;
          }
          const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          this.opts.logger.error({ method, error: maskPans(message) }, 'unexpected error in gRPC handler');
          finish(status.INTERNAL);
          callback(INTERNAL_ERROR, null);
        },
      );
    };
  }
}

/**
 * The call's server span, a child of the caller's (W3C `traceparent` in the metadata), named by the method as
 * OpenTelemetry's gRPC conventions name it, with the calling service from its certificate.
 */
function serverSpan(method: string, call: ServerUnaryCall<unknown, unknown>): Span | undefined {
  const parent = extractTraceContext(call.metadata, (m, key) => {
    const value = m.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  });
  const [service, name] = method.slice(1).split('/');
  return startSpan(method.slice(1), {
    kind: SpanKind.SERVER,
    parent,
    attributes: {
      'rpc.system': 'grpc',
      'rpc.service': service,
      'rpc.method': name,
      'wxpay.caller': peerIdentity(call)?.service ?? 'unknown',
    },
  });
}
