import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { PROTO_ROOT } from '@wxpay/contracts';

/**
 * Loader options for what still loads .proto files at run time (server reflection, the raw test client): int64
 * money amounts as strings (never floats), enums as their names, absent fields as their defaults.
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
