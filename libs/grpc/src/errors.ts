import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

export { status as GrpcStatus };

/**
 * A typed error a handler throws to answer with a gRPC status. `field` names the offending request field for
 * INVALID_ARGUMENT and travels in the `x-field` trailer so callers can point at it without parsing prose.
 * Messages are shown to callers: never put card numbers, keys or internal details in them.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: status,
    message: string,
    readonly field?: string,
    readonly reason?: string,
  ) {
    super(message);
  }

  static invalidArgument(field: string, message: string): RpcError {
    return new RpcError(status.INVALID_ARGUMENT, `${field}: ${message}`, field);
  }
}

export function toServiceError(e: RpcError): Partial<ServiceError> {
  const metadata = new Metadata();
  if (e.field) metadata.set('x-field', e.field);
  if (e.reason) metadata.set('x-reason', e.reason);
  return { code: e.code, details: e.message, metadata };
}

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
