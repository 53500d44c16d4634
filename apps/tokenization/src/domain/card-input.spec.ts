import { expiresAt, luhnCheckDigit } from '@wxpay/card';
import { DomainError } from '@wxpay/contracts';
import { BinTable } from './bin-table';
import { validateCard, type TokenizeFields } from './card-input';
import { SAMPLE_BIN_TABLE } from './sample-bin-table';

const bins = new BinTable(SAMPLE_BIN_TABLE);
const now = new Date('2026-03-15T00:00:00Z');

/** Appends the Luhn check digit. */
function withCheckDigit(body: string): string {
  return `${body}${luhnCheckDigit(body)}`;
}

const valid: TokenizeFields = {
  cardholder_ref: 'ch-1001',
  pan: withCheckDigit('622588123456789'),
  expiry_month: '12',
  expiry_year: '2028',
  cvn2: '',
};

function fieldOf(fields: Partial<TokenizeFields>, at = now): string | undefined {
  try {
    validateCard({ ...valid, ...fields }, bins, at);
  } catch (e) {
    if (e instanceof DomainError) return e.field;
    throw e;
  }
  return undefined;
}

describe('card validation', () => {
  it('accepts a valid card and derives what may be shown', () => {
    expect(validateCard(valid, bins, now)).toMatchObject({
      bin: '622588',
      last4: valid.pan.slice(-4),
      brand: 'UNIONPAY',
      issuer: 'China Merchants Bank',
      panLength: 16,
    });
  });

  it('refuses bad card numbers naming the pan field, and never quotes the number', () => {
    const badLuhn = `${valid.pan.slice(0, -1)}${(Number(valid.pan.slice(-1)) + 1) % 10}`;
    for (const pan of [
      '',
      '6225 8812',
      badLuhn,
      withCheckDigit('62258812345'),
      withCheckDigit('4'.repeat(19) + '1'),
    ]) {
      expect(fieldOf({ pan })).toBe('pan');
    }
    try {
      validateCard({ ...valid, pan: badLuhn }, bins, now);
    } catch (e) {
      expect((e as Error).message).toBe('pan: fails the Luhn check');
    }
  });

  it('checks the length against the BIN range (sample table)', () => {
    expect(fieldOf({ pan: withCheckDigit('34000000000000') })).toBeUndefined(); // Amex, 15
    expect(fieldOf({ pan: withCheckDigit('340000000000000') })).toBe('pan'); // Amex, 16
    expect(fieldOf({ pan: withCheckDigit('222100000000000') })).toBeUndefined(); // Mastercard 2-series, 16
    expect(fieldOf({ pan: withCheckDigit('35280000000000000') })).toBeUndefined(); // JCB, 18
    expect(fieldOf({ pan: withCheckDigit('622848000000000000') })).toBeUndefined(); // issuer entry: 19 only
    expect(fieldOf({ pan: withCheckDigit('622848000000000') })).toBe('pan');
  });

  it('treats the card as valid through the last moment of its month in UTC+8', () => {
    const end = expiresAt(3, 2026);
    expect(end.toISOString()).toBe('2026-03-31T16:00:00.000Z');
    const card = { expiry_month: '03', expiry_year: '2026' };
    expect(fieldOf(card, new Date(end.getTime() - 1))).toBeUndefined();
    expect(fieldOf(card, end)).toBe('expiry_month');
    expect(fieldOf({ expiry_month: '12', expiry_year: '2025' })).toBe('expiry_year');
    expect(fieldOf({ expiry_month: '13' })).toBe('expiry_month');
    expect(fieldOf({ expiry_year: '28' })).toBe('expiry_year');
    expect(fieldOf({ expiry_year: '2099' })).toBe('expiry_year');
  });

  it('requires a cardholder reference that is the bank id, never a national id or a card number', () => {
    expect(fieldOf({ cardholder_ref: '' })).toBe('cardholder_ref');
    expect(fieldOf({ cardholder_ref: '11010519491231002X' })).toBe('cardholder_ref');
    expect(fieldOf({ cardholder_ref: valid.pan })).toBe('cardholder_ref');
    expect(fieldOf({ cardholder_ref: 'a b' })).toBe('cardholder_ref');
  });

  it('format-checks the CVN2 (3 digits, 4 for Amex) and keeps nothing of it', () => {
    expect(fieldOf({ cvn2: '123' })).toBeUndefined();
    expect(fieldOf({ cvn2: '12' })).toBe('cvn2');
    expect(fieldOf({ cvn2: '1234' })).toBe('cvn2');
    expect(fieldOf({ pan: withCheckDigit('37000000000000'), cvn2: '1234' })).toBeUndefined();
    expect(JSON.stringify(validateCard({ ...valid, cvn2: '987' }, bins, now))).not.toContain('987');
  });
});
