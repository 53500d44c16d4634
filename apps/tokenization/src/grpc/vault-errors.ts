import { GrpcStatus, RpcError } from '@wxpay/grpc';
import { VaultError, type VaultErrorKind } from '../errors';

const STATUS: Record<VaultErrorKind, GrpcStatus> = {
  'invalid-argument': GrpcStatus.INVALID_ARGUMENT,
  'not-found': GrpcStatus.NOT_FOUND,
  'failed-precondition': GrpcStatus.FAILED_PRECONDITION,
  'permission-denied': GrpcStatus.PERMISSION_DENIED,
  'already-exists': GrpcStatus.ALREADY_EXISTS,
  unavailable: GrpcStatus.UNAVAILABLE,
  'data-loss': GrpcStatus.DATA_LOSS,
};

/** Vault errors become their gRPC status (field in x-field, reason in x-reason); anything else stays INTERNAL. */
export function toRpcError(e: unknown): unknown {
  if (e instanceof VaultError) return new RpcError(STATUS[e.kind], e.message, e.field, e.reason);
  return e;
}
