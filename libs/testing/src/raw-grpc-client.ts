import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type ChannelCredentials,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { type PackageDefinition } from '@grpc/proto-loader';

/*
 * An untyped gRPC client over proto-loader, for tests and benchmarks only: it sends requests exactly as given
 * (a missing field, an enum by any name, a wrong type), which is how the edge's validation is tested from
 * outside. Services and tools call each other through libs/grpc's typed `createServiceClient`.
 */

/** The same shape as libs/grpc's GrpcTlsConfig (libs/grpc's own tests use this library, so it cannot import it). */
type GrpcTlsConfig = { enabled: false } | { enabled: true; ca: Buffer; cert: Buffer; key: Buffer };

function serviceClientConstructor(pkg: PackageDefinition, serviceName: string): ServiceClientConstructor {
  let node: GrpcObject | ServiceClientConstructor = loadPackageDefinition(pkg);
  for (const part of serviceName.split('.')) {
    node = (node as GrpcObject)[part] as GrpcObject | ServiceClientConstructor;
    if (!node) throw new Error(`service ${serviceName} is not in the loaded protos`);
  }
  return node as ServiceClientConstructor;
}

export function channelCredentials(tls: GrpcTlsConfig): ChannelCredentials {
  return tls.enabled ? credentials.createSsl(tls.ca, tls.key, tls.cert) : credentials.createInsecure();
}

export function createGrpcClient(
  pkg: PackageDefinition,
  serviceName: string,
  address: string,
  tls: GrpcTlsConfig,
  channelOptions: Record<string, string | number> = {},
): Client {
  const Ctor = serviceClientConstructor(pkg, serviceName);
  return new Ctor(address, channelCredentials(tls), channelOptions);
}

export interface CallOptions {
  /** Every call has a deadline: a caller that waits forever turns a slow peer into an outage. */
  deadlineMs: number;
  metadata?: Record<string, string>;
}

type UnaryMethod = (
  req: unknown,
  md: Metadata,
  opts: { deadline: Date },
  cb: (err: ServiceError | null, res: unknown) => void,
) => void;

/** Promise form of a unary call with a mandatory deadline. */
export function unaryCall<Res>(
  client: Client,
  method: string,
  request: unknown,
  opts: CallOptions,
): Promise<Res> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method];
  if (typeof fn !== 'function') return Promise.reject(new Error(`the client has no method ${method}`));
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) metadata.set(k, v);
  return new Promise<Res>((resolve, reject) =>
    fn.call(client, request, metadata, { deadline: new Date(Date.now() + opts.deadlineMs) }, (err, res) =>
      err ? reject(err) : resolve(res as Res),
    ),
  );
}
