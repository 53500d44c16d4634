import {
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { type PackageDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { addGrpcHealthAndReflection, maskPans, type GrpcHealthControl } from '@wxpay/observability';
import { type Logger } from 'pino';
import { INTERNAL_ERROR, RpcError, toServiceError } from './errors';
import { randomUUID } from 'crypto';
import { type CallContext } from './call-context';
import { peerIdentity } from './identity';
import { type GrpcTlsConfig } from './tls-config';

export type UnaryHandler<Req = never, Res = unknown> = (request: Req, ctx: CallContext) => Promise<Res>;

export interface GrpcServerOptions {
  packageDefinition: PackageDefinition;
  logger: Logger;
  tls: GrpcTlsConfig;
  /** Serve grpc.reflection (default on). */
  reflection?: boolean;
  /** Observes each call's duration and outcome (e.g. a Prometheus histogram). */
  onCallFinished?: (method: string, code: status, seconds: number) => void;
}

/**
 * A grpc-js server with what every service of the cluster needs: mutual TLS, grpc.health.v1 and reflection,
 * typed errors mapped to status codes (unexpected errors become a bare INTERNAL, logged with card numbers
 * masked), the caller's certificate identity handed to handlers, and a graceful stop. Plain grpc-js rather than
 * Nest's transport: handlers need the TLS auth context and per-call deadlines, which Nest's adapter hides.
 */
export class GrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  private readonly services: string[] = [];
  private health?: GrpcHealthControl;

  constructor(private readonly opts: GrpcServerOptions) {}

  addService(serviceName: string, handlers: Record<string, UnaryHandler>): this {
    const definition = this.opts.packageDefinition[serviceName] as ServiceDefinition | undefined;
    if (!definition) throw new Error(`service ${serviceName} is not in the package definition`);
    const implementation: UntypedServiceImplementation = {};
    for (const [method, spec] of Object.entries(definition)) {
      const handler = handlers[method] ?? handlers[spec.originalName ?? ''];
      if (!handler) throw new Error(`${serviceName}.${method} has no handler`);
      implementation[method] = this.wrapUnary(`${serviceName}/${method}`, handler);
    }
    this.server.addService(definition as never, implementation);
    this.services.push(serviceName);
    return this;
  }

  /** Binds and starts serving; returns the bound port (useful with port 0). Health turns SERVING here. */
  async listen(address: string): Promise<number> {
    this.health = addGrpcHealthAndReflection(this.server, this.opts.packageDefinition, this.services, {
      reflection: this.opts.reflection,
    });
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
    return port;
  }

  /** NOT_SERVING first (peers stop routing here), then in-flight calls finish, then a hard stop after the grace. */
  async stop(graceMs = 10_000): Promise<void> {
    this.health?.setNotServing();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wrapUnary(method: string, handler: UnaryHandler) {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = process.hrtime.bigint();
      const finish = (code: status) =>
        this.opts.onCallFinished?.(method, code, Number(process.hrtime.bigint() - started) / 1e9);
      const deadline = call.getDeadline();
      const ctx: CallContext = {
        peer: peerIdentity(call),
        metadata: call.metadata,
        deadline:
          deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined,
        method,
        traceId: randomUUID(),
      };
      // The request shape is the proto message; each handler validates its fields itself.
      handler(call.request as never, ctx).then(
        (response) => {
          finish(status.OK);
          callback(null, response);
        },
        (e: unknown) => {
          if (e instanceof RpcError) {
            finish(e.code);
            callback(toServiceError(e), null);
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
