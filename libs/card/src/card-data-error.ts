/**
 * A card field is malformed. The message names the field and the rule it breaks, never the value: card numbers
 * and expiry dates must not reach logs or error responses.
 */
export class CardDataError extends Error {
  override readonly name = 'CardDataError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}
