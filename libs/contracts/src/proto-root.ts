import { join } from 'path';

/** Folder holding the .proto files (`gateway/<service>/v1/*.proto`); the same relative place in src and dist. */
export const PROTO_ROOT = join(__dirname, '..', 'proto');

export function protoPath(relative: string): string {
  return join(PROTO_ROOT, relative);
}
