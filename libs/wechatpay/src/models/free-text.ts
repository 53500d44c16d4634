import { containsPan } from '@wxpay/card';

/**
 * Guards outgoing free text (description, attach, a termination remark): WeChat Pay keeps it and shows it to the
 * payer and the merchant, so a card number in it would leave the vault's protection. The service edges refuse one
 * before it gets here; this is the last check before signing, as assertFen is for amounts.
 */
export function assertNoCardNumber(value: string | undefined, field: string): void {
  if (value !== undefined && containsPan(value))
    throw new RangeError(`${field} must not contain a card number`);
}
