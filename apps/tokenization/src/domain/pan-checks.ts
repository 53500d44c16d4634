import { maskPans } from '@wxpay/card';

/**
 * True when free text (a reason, a purpose, a cardholder reference) holds something that looks like a card
 * number: such text would otherwise travel into events and the audit log, outside the vault's protection.
 */
export function containsPanLikeNumber(text: string): boolean {
  return maskPans(text) !== text;
}
