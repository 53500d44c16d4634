import { checkServerIdentity as defaultCheck, type PeerCertificate } from 'tls';
import { credentials, makeGenericClientConstructor, Metadata, type Client } from '@grpc/grpc-js';
import { failSpan, injectTraceContext, isTracing, SpanKind, startSpan, withSpan } from '@wxpay/observability';
import { clientServiceConfig } from './client-service-config';
import { serviceOfAltNames, spiffeIdOf } from './identity';
import { serviceNameOf, type RequestOf, type ResponseOf, type ServiceDefinition } from './service-definition';
import { type GrpcTlsConfig } from './tls-config';

export interface CallOptions {
  /** Overrides the client's default deadline for this call. */
  deadlineMs?: number;
  metadata?: Record<string, string>;
}

/** A promise per RPC, typed from the generated definition; `close()` ends the channel. */
export type ServiceClient<S extends ServiceDefinition> = {
  readonly [K in keyof S]: (request: RequestOf<S[K]>, options?: CallOptions) => Promise<ResponseOf<S[K]>>;
} & {
  close(): void;
  /**
   * Connects now (TLS handshake included) instead of on the first call, so the first call of a service that has
   * just reported ready does not pay for it; rejects if not connected within `timeoutMs`.
   */
  connect(timeoutMs: number): Promise<void>;
};

export interface ServiceClientOptions {
  /** `host:port` or a grpc-js target such as `dns:///risk:50051`. */
  address: string;
  tls: GrpcTlsConfig;
  /**
   * The service the server must prove to be: its certificate must carry `spiffe://wxpay/<server>`. A certificate of
   * the same CA issued to another service (or a hostname that merely matches) is refused.
   */
  server: string;
  /** Every call has a deadline: a caller that waits forever turns a slow peer into an outage. */
  deadlineMs: number;
  /**
   * While calls are in flight the channel pings the server this often and drops a connection whose ping is not
   * answered within `keepaliveTimeoutMs`: a replica that vanished without closing its connections (a killed node,
   * a cut network) fails the calls on it (UNAVAILABLE, retried where safe) instead of holding them to their
   * deadline. Defaults: 30 s and 10 s.
   */
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
  channelOptions?: Record<string, string | number>;
}

/** The identity check of a server certificate: the service URI must be the expected one. */
export function serverIdentityCheck(server: string) {
  return (hostname: string, cert: PeerCertificate): Error | undefined => {
    const found = serviceOfAltNames(cert.subjectaltname);
    if (found === server) return undefined;
    // Keep Node's own diagnosis when the certificate has no service identity at all.
    const reason = found
      ? `it is '${found}'`
      : (defaultCheck(hostname, cert)?.message ?? 'it has no service identity');
    return new Error(`the server is not ${spiffeIdOf(server)}: ${reason}`);
  };
}

/**
 * A resolver target (`dns:///risk:50053`, a headless Service's pods; `ipv4:a:1,b:2`) may name several replicas:
 * calls are spread over all of them (round_robin) instead of grpc-js's default pick_first, which sends everything
 * to one. A plain `host:port` is one server: pick_first, whose channel goes idle when the connection drops and
 * reconnects on the next call, where round_robin would fail calls fast through its reconnect backoff while the
 * only server restarts.
 */
function resolvesToMany(address: string): boolean {
  return /^(dns|ipv4|ipv6):/.test(address);
}

export function createServiceClient<S extends ServiceDefinition>(
  definition: S,
  options: ServiceClientOptions,
): ServiceClient<S> {
  const Ctor = makeGenericClientConstructor(definition, serviceNameOf(definition));
  const channel = options.tls.enabled
    ? credentials.createSsl(options.tls.ca, options.tls.key, options.tls.cert, {
        checkServerIdentity: serverIdentityCheck(options.server),
      })
    : credentials.createInsecure();
  const serviceConfig = clientServiceConfig(serviceNameOf(definition), resolvesToMany(options.address));
  const client: Client = new Ctor(options.address, channel, {
    // The TLS server name is the service's, not the address's: no IP address as SNI (Node's DEP0123), and one
    // name whatever the address the channel resolves.
    ...(options.tls.enabled ? { 'grpc.ssl_target_name_override': options.server } : {}),
    ...(serviceConfig ? { 'grpc.service_config': serviceConfig } : {}),
    // Pings only while calls are in flight: an idle channel sends none, which servers and proxies that police
    // ping rates (gRPC C++'s and Envoy's) would otherwise answer with GOAWAY too_many_pings.
    'grpc.keepalive_time_ms': options.keepaliveMs ?? 30_000,
    'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 10_000,
    'grpc.keepalive_permit_without_calls': 0,
    ...options.channelOptions,
  });
  const typed: Record<string, unknown> = {
    close: () => client.close(),
    connect: (timeoutMs: number) =>
      new Promise<void>((resolve, reject) =>
        client.waitForReady(new Date(Date.now() + timeoutMs), (err) => (err ? reject(err) : resolve())),
      ),
  };
  for (const [key, rpc] of Object.entries(definition)) {
    const method = (client as unknown as Record<string, UnaryFn>)[key]!.bind(client);
    const send = (request: unknown, call: CallOptions) => {
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(call.metadata ?? {})) metadata.set(k, v);
      const deadline = new Date(Date.now() + (call.deadlineMs ?? options.deadlineMs));
      return new Promise((resolve, reject) =>
        method(request, metadata, { deadline }, (err, res) => (err ? reject(err) : resolve(res))),
      );
    };
    typed[key] = (request: unknown, call: CallOptions = {}) =>
      isTracing()
        ? tracedCall(rpc.path, options.server, () => send(request, withTraceContext(call)))
        : send(request, call);
  }
  return typed as ServiceClient<S>;
}

/**
 * The call as a client span named like the server's (`gateway.risk.v1.RiskEngine/Evaluate`) with the server named
 * as the peer; the server's span becomes its child through the `traceparent` the call carries.
 */
function tracedCall(path: string, server: string, send: () => Promise<unknown>): Promise<unknown> {
  const [service, name] = path.slice(1).split('/');
  const span = startSpan(path.slice(1), {
    kind: SpanKind.CLIENT,
    attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': name, 'peer.service': server },
  });
  return withSpan(span, send).then(
    (response) => {
      span?.setAttribute('rpc.grpc.status_code', 0);
      span?.end();
      return response;
    },
    (e: unknown) => {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'number') span?.setAttribute('rpc.grpc.status_code', code);
      failSpan(span, e);
      span?.end();
      throw e;
    },
  );
}

/** The call's options with the active span's `traceparent` added to its metadata. */
function withTraceContext(call: CallOptions): CallOptions {
  const metadata: Record<string, string> = { ...call.metadata };
  injectTraceContext(metadata);
  return { ...call, metadata };
}

type UnaryFn = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: Error | null, response: unknown) => void,
) => void;
