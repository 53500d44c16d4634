/**
 * The one error model of the gateway. A use case that refuses a request throws a DomainError with a stable code
 * (part of the service's published contract, listed in its proto); the transport maps the code to a gRPC status
 * through a table the service declares for all its codes (checked by the compiler, see `ErrorStatusTable` in
 * libs/grpc) and sends the code, the field and whether a retry may succeed as `gateway.common.v1.ErrorDetail`.
 *
 * Messages are shown to callers and logged: they name fields and states, never a card number, a key or a value the
 * caller sent.
 */
export class DomainError<Code extends string = string> extends Error {
  override readonly name = 'DomainError';
  /** The request field at fault (INVALID_ARGUMENT), as a path: `amount.amount_minor`. */
  readonly field?: string;

  constructor(
    readonly code: Code,
    message: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.field) this.field = options.field;
  }

  /** A bad request field: `<field>: <what is wrong>`. */
  static invalid(field: string, problem: string): DomainError<typeof CommonErrors.invalidArgument> {
    return new DomainError(CommonErrors.invalidArgument, `${field}: ${problem}`, { field });
  }
}

/**
 * Codes every service answers with, mapped by libs/grpc itself: a service's own table covers only its own codes.
 * UNAVAILABLE is for infrastructure the service depends on (its database, the broker) being down or shutting down:
 * retryable, and never blamed on a counterparty.
 */
export const CommonErrors = {
  invalidArgument: 'INVALID_ARGUMENT',
  idempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  inProgress: 'IN_PROGRESS',
  callerNotAllowed: 'CALLER_NOT_ALLOWED',
  unavailable: 'UNAVAILABLE',
} as const;

export type CommonErrorCode = (typeof CommonErrors)[keyof typeof CommonErrors];

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
