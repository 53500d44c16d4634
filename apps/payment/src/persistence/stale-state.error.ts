/** The row moved since it was read (another actor won the race): re-read and decide again. */
export class StaleStateError extends Error {
  override readonly name = 'StaleStateError';
  constructor(
    readonly entity: 'payment' | 'refund',
    readonly id: string,
  ) {
    super(`${entity} ${id} changed since it was read`);
  }
}
