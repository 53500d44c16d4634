import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { PROTO_ROOT } from '@wxpay/contracts';

/**
 * Loader options shared by every server and client: int64 money amounts arrive as strings (never floats), enums
 * as their names, and absent fields as their defaults so handlers validate one shape.
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

export function loadProtos(files: string[]): PackageDefinition {
  return loadSync(files, PROTO_LOADER_OPTIONS);
}

/** The client constructor of a fully-qualified service name, e.g. `gateway.risk.v1.RiskEngine`. */
export function serviceClientConstructor(
  pkg: PackageDefinition,
  serviceName: string,
): ServiceClientConstructor {
  let node: GrpcObject | ServiceClientConstructor = loadPackageDefinition(pkg);
  for (const part of serviceName.split('.')) {
    node = (node as GrpcObject)[part] as GrpcObject | ServiceClientConstructor;
    if (!node) throw new Error(`service ${serviceName} is not in the loaded protos`);
  }
  return node as ServiceClientConstructor;
}
