import { Metadata, status } from '@grpc/grpc-js';
import { CommonErrors, DomainError, ErrorDetail, type CommonErrorCode } from '@wxpay/contracts';
import { maskPans } from '@wxpay/card';
import { type Logger } from 'pino';
import { isServiceError, type StatusError } from './errors';

/**
 * A service's own error codes and the gRPC status each answers with. Declared once per service for the whole
 * union of its codes (`ErrorStatusTable<PaymentErrorCode>`): the compiler refuses a table that misses a code or
 * names one that does not exist. The common codes are mapped here, the same for every service.
 */
export type ErrorStatusTable<Code extends string> = {
  readonly [K in Exclude<Code, CommonErrorCode>]: status;
};

/** The common codes, the same for every service. */
export const COMMON_ERROR_STATUS: { readonly [K in CommonErrorCode]: status } = {
  [CommonErrors.invalidArgument]: status.INVALID_ARGUMENT,
  [CommonErrors.idempotencyConflict]: status.ALREADY_EXISTS,
  // ABORTED rather than UNAVAILABLE: refused because of a concurrent call, not an outage; the caller retries the
  // same call shortly and gets the first call's answer.
  [CommonErrors.inProgress]: status.ABORTED,
  [CommonErrors.callerNotAllowed]: status.PERMISSION_DENIED,
  [CommonErrors.unavailable]: status.UNAVAILABLE,
};

const RETRYABLE = new Set<status>([
  status.UNAVAILABLE,
  status.ABORTED,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
]);

/** The trailer carrying `gateway.common.v1.ErrorDetail` (binary, hence `-bin`). */
export const ERROR_DETAIL_TRAILER = 'gateway-error-bin';

export interface ErrorMapping {
  table: Readonly<Record<string, status>>;
  /** True for failures of the service's own infrastructure (database down or shutting down). */
  isUnavailable?: (e: unknown) => boolean;
  logger: Logger;
}

function statusError(code: status, errorCode: string, message: string, field?: string): StatusError {
  const metadata = new Metadata();
  const detail = ErrorDetail.encode({ code: errorCode, field: field ?? '', retryable: RETRYABLE.has(code) });
  metadata.set(ERROR_DETAIL_TRAILER, Buffer.from(detail.finish()));
  // The older plain trailers, which callers built before ErrorDetail read.
  metadata.set('x-reason', errorCode);
  if (field) metadata.set('x-field', field);
  return { code, details: message, metadata };
}

/**
 * What a caller learns of a failure: a DomainError's status (by the tables), its code, field and message; an
 * infrastructure outage as a retryable UNAVAILABLE that blames no one; anything else a bare INTERNAL, logged
 * (masked) with the method it came from.
 */
export function toStatusError(e: unknown, mapping: ErrorMapping, method: string): StatusError {
  if (e instanceof DomainError) {
    const code = (COMMON_ERROR_STATUS as Record<string, status>)[e.code] ?? mapping.table[e.code];
    if (code !== undefined) return statusError(code, e.code, e.message, e.field);
    mapping.logger.error({ method, code: e.code }, 'a domain error code with no status in the service table');
  } else if (mapping.isUnavailable?.(e)) {
    mapping.logger.warn(
      { method, error: maskPans(e instanceof Error ? e.message : String(e)) },
      'call failed: infrastructure unavailable',
    );
    return statusError(
      status.UNAVAILABLE,
      CommonErrors.unavailable,
      'the service is temporarily unavailable; retry the same call later',
    );
  } else {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    mapping.logger.error({ method, error: maskPans(message) }, 'unexpected error in gRPC handler');
  }
  return statusError(status.INTERNAL, 'INTERNAL', 'internal error');
}

/** The ErrorDetail a gateway server sent with a failed call (client side), when it sent one. */
export function errorDetailOf(e: unknown): ErrorDetail | undefined {
  if (!isServiceError(e)) return undefined;
  const raw = e.metadata?.get(ERROR_DETAIL_TRAILER)[0];
  if (!Buffer.isBuffer(raw)) return undefined;
  try {
    return ErrorDetail.decode(raw);
  } catch {
    return undefined;
  }
}
