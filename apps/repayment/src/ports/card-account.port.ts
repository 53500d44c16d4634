import { type Money } from '@wxpay/persistence';

/** Posts a collected repayment to the card account as a credit (the issuer's side, over the UnionPay channel). */
export interface CardAccountPort {
  credit(cardToken: string, amount: Money): Promise<PostingOutcome>;
}

export type PostingOutcome =
  | { outcome: 'posted'; rrn: string; requestId: string; responseCode: string }
  /** Not posted now (timed out and being reversed, channel or vault down, a retryable decline): try again. */
  | { outcome: 'retry'; reason: string }
  /** Refused for good (card closed, invalid account): an operator has to post it. */
  | { outcome: 'refused'; responseCode: string; reason: string };

export const CARD_ACCOUNT_PORT = Symbol('CARD_ACCOUNT_PORT');
