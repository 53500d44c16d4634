import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { type CallContext } from './call-context';
import { GrpcHost, type GrpcHostOptions, type UnaryDispatch } from './grpc-host';
import { type ServiceDefinition } from './service-definition';

export interface GrpcTransportOptions extends GrpcHostOptions {
  /** host:port; port 0 picks a free one (see `port`). */
  address: string;
  /** The generated definitions of the services this app serves (libs/contracts). */
  services: readonly ServiceDefinition[];
  /** How long in-flight calls may finish on shutdown. */
  shutdownGraceMs?: number;
}

function valueOf(result: unknown): unknown {
  return isObservable(result) ? lastValueFrom(result) : result;
}

/**
 * Nest's transport for the gateway's gRPC services. Controllers are ordinary Nest controllers (@GrpcService),
 * with guards, interceptors, pipes and filters; this strategy serves them on GrpcHost.
 *
 * Why not Nest's built-in Transport.GRPC: it loads the protos again at run time with its own loader options
 * (field names, enums and 64-bit integers would differ from the generated types), hides the TLS peer and the
 * per-call deadline behind its own call wrapper, and has no health or reflection of its own. It is not cheaper:
 * the same Evaluate over the same mutual TLS (`npm run bench -- grpc`, 5 alternating rounds of 4,000 calls, 32 in
 * flight, 2 cores) cost 430 µs of CPU per call (client and server together) on this transport bare, 427 µs on
 * Transport.GRPC bare, and 472 µs with the whole edge (caller guard, error filter, metrics): a difference within
 * the runs' noise between the two transports, and about 40 µs for what the edge adds.
 */
export class GrpcTransport extends Server implements CustomTransportStrategy {
  private host?: GrpcHost;
  private closing?: Promise<void>;
  /** The bound port, once listening. */
  port?: number;

  constructor(private readonly options: GrpcTransportOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (e: unknown) => callback(e),
    );
  }

  /**
   * Stops gracefully (see GrpcHost.stop). The runtime stops the transport itself after its drain, and Nest's
   * dispose closes it again later: the second close waits for the first rather than stopping anew.
   */
  close(): Promise<void> {
    this.closing ??= this.host?.stop(this.options.shutdownGraceMs ?? 10_000) ?? Promise.resolve();
    return this.closing;
  }

  on(): never {
    throw new Error('the gRPC transport emits no events');
  }

  unwrap<T>(): T {
    return this.host as T;
  }

  private async start(): Promise<void> {
    const host = new GrpcHost(this.options);
    for (const definition of this.options.services) {
      const dispatch: Record<string, UnaryDispatch> = {};
      const missing: string[] = [];
      for (const [key, method] of Object.entries(definition)) {
        const handler = this.getHandlerByPattern(method.path);
        if (!handler) {
          missing.push(method.path);
          continue;
        }
        // An interceptor answers with an Observable; without one, Nest hands back the controller's value, which
        // is not wrapped into an Observable and out again (two allocations less per call on the hot path).
        dispatch[key] = (request: unknown, call: CallContext) => handler(request, call).then(valueOf);
      }
      if (missing.length) {
        throw new Error(`no controller serves ${missing.join(', ')} (is its controller in a module?)`);
      }
      host.addService(definition, dispatch);
    }
    this.port = await host.listen(this.options.address);
    this.host = host;
  }
}
