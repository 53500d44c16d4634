import { GrpcStatus, isServiceError } from '@wxpay/grpc';

/** The gRPC status of a failed call, or undefined for a non-gRPC failure. */
export function grpcCodeOf(e: unknown): number | undefined {
  return isServiceError(e) ? e.code : undefined;
}

/** Statuses that mean "the peer did not decide" (down, slow, overloaded) rather than "the peer refused". */
export function isTransient(e: unknown): boolean {
  const code = grpcCodeOf(e);
  return (
    code === undefined ||
    code === GrpcStatus.UNAVAILABLE ||
    code === GrpcStatus.DEADLINE_EXCEEDED ||
    code === GrpcStatus.RESOURCE_EXHAUSTED ||
    code === GrpcStatus.INTERNAL ||
    code === GrpcStatus.UNKNOWN ||
    code === GrpcStatus.CANCELLED
  );
}
