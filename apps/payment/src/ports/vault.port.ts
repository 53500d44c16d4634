import { type CardSecret } from '@wxpay/card';

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
