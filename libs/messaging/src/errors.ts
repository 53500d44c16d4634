/** Thrown by a handler for a message that can never succeed (bad data): it goes to the DLQ without retries. */
export class NonRetriableError extends Error {
  override readonly name = 'NonRetriableError';
}

export class OutboxValidationError extends Error {
  override readonly name = 'OutboxValidationError';
}
