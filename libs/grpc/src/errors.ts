import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';

export { status as GrpcStatus };

/** What a caller learns of an unexpected failure: nothing internal. */
export const INTERNAL_ERROR: Partial<ServiceError> = { code: status.INTERNAL, details: 'internal error' };

/** The field a server named in an INVALID_ARGUMENT answer, on the client side. */
export function fieldOf(error: ServiceError): string | undefined {
  const value = error.metadata?.get('x-field')[0];
  return value === undefined ? undefined : String(value);
}

export function reasonOf(error: ServiceError): string | undefined {
  const value = error.metadata?.get('x-reason')[0];
  return value === undefined ? undefined : String(value);
}

export function isServiceError(e: unknown): e is ServiceError {
  return e instanceof Error && typeof (e as ServiceError).code === 'number' && 'details' in e;
}

/** An error that already carries a gRPC status (as the error filter or a peer produced it). */
export interface StatusError {
  code: status;
  details: string;
  metadata?: Metadata;
}

export function isStatusError(e: unknown): e is StatusError {
  return (
    e !== null &&
    typeof e === 'object' &&
    typeof (e as StatusError).code === 'number' &&
    typeof (e as StatusError).details === 'string'
  );
}
