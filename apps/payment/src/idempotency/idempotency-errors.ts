/** The key was used before with other parameters. gRPC: ALREADY_EXISTS, reason IDEMPOTENCY_CONFLICT. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor() {
    super('this idempotency key was used with different parameters');
  }
}

/**
 * The first call with this key is still running. gRPC: ABORTED, reason IN_PROGRESS (ABORTED rather than
 * UNAVAILABLE: the call was refused because of a concurrent one, not because the service is down; the caller
 * retries the same call after a short wait and then gets the first call's answer).
 */
export class IdempotencyInProgressError extends Error {
  override readonly name = 'IdempotencyInProgressError';
  constructor() {
    super('a call with this idempotency key is still in progress');
  }
}
