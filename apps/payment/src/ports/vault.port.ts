import { inspect } from 'util';

const REDACTED = 'CardSecret(<redacted>)';

/**
 * A detokenized card, held only for the authorisation call. Redacted from JSON, string conversion and
 * util.inspect, so it cannot reach a log line, an error or a stored row by accident.
 */
export class CardSecret {
  readonly #pan: string;
  readonly #expiryMonth: string;
  readonly #expiryYear: string;

  constructor(pan: string, expiryMonth: string, expiryYear: string) {
    this.#pan = pan;
    this.#expiryMonth = expiryMonth;
    this.#expiryYear = expiryYear;
  }

  get pan(): string {
    return this.#pan;
  }
  get expiryMonth(): string {
    return this.#expiryMonth;
  }
  get expiryYear(): string {
    return this.#expiryYear;
  }

  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** The token cannot be used: unknown, suspended or deleted, or this service is not allowed to detokenize. */
export class CardUnavailableError extends Error {
  override readonly name = 'CardUnavailableError';
  constructor(readonly reason: 'NOT_FOUND' | 'NOT_ACTIVE' | 'DENIED' | 'INVALID') {
    super(`the card token cannot be used (${reason})`);
  }
}

/** TokenVault.Detokenize; throws CardUnavailableError or CounterpartyUnavailableError. */
export interface VaultPort {
  detokenize(token: string, purpose: string): Promise<CardSecret>;
}

export const VAULT_PORT = Symbol('VAULT_PORT');
