import { luhnValid, maskPans } from '@wxpay/observability';

export const MIN_PAN_LENGTH = 13;
export const MAX_PAN_LENGTH = 19;

export { luhnValid };

/**
 * True when free text (a reason, a purpose, a cardholder reference) holds something that looks like a card
 * number: such text would otherwise travel into events and the audit log, outside the vault's protection.
 */
export function containsPanLikeNumber(text: string): boolean {
  return maskPans(text) !== text;
}

/** First 6 and last 4 digits, every digit between as `*` (PCI DSS 3.4.1, the same form as the logs). */
export function maskedPan(bin: string, last4: string, length: number): string {
  return `${bin}${'*'.repeat(Math.max(0, length - bin.length - last4.length))}${last4}`;
}
