import { DomainError } from '@wxpay/contracts';
import { type BinTable } from './bin-table';
import { isExpired, MAX_YEARS_AHEAD, yearInChina } from './expiry';
import { containsPanLikeNumber, luhnValid, MAX_PAN_LENGTH, MIN_PAN_LENGTH } from './pan-checks';

/** What a Tokenize call carries about the card (proto field names in the errors). */
export interface TokenizeFields {
  cardholder_ref: string;
  pan: string;
  expiry_month: string;
  expiry_year: string;
  cvn2: string;
}

/** A checked card, with what may be shown of it (BIN, last 4, brand, issuer). */
export interface ValidCard {
  cardholderRef: string;
  pan: string;
  panLength: number;
  bin: string;
  last4: string;
  brand: string;
  issuer: string;
  expiryMonth: string;
  expiryYear: string;
}

const CARDHOLDER_REF = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Mainland resident identity card number: the reference must be the bank's id, never the person's. */
const NATIONAL_ID = /^\d{17}[\dXx]$/;
const DIGITS = /^\d+$/;

export function checkCardholderRef(value: string, field = 'cardholder_ref'): string {
  if (!value) throw DomainError.invalid(field, 'is required');
  if (!CARDHOLDER_REF.test(value)) {
    throw DomainError.invalid(
      field,
      'must be 1-64 characters of A-Z a-z 0-9 . _ : - (the bank cardholder id)',
    );
  }
  if (NATIONAL_ID.test(value) || containsPanLikeNumber(value)) {
    throw DomainError.invalid(field, 'must be the bank cardholder id, never a national id or card number');
  }
  return value;
}

/**
 * Checks a card in a fixed order (cardholder, PAN, expiry, CVN2) and throws on the first problem, naming the
 * field. Errors never quote the PAN or the CVN2. The CVN2 is only format-checked here: the vault never keeps it.
 */
export function validateCard(fields: TokenizeFields, bins: BinTable, now: Date): ValidCard {
  const cardholderRef = checkCardholderRef(fields.cardholder_ref);

  const pan = fields.pan;
  if (!pan) throw DomainError.invalid('pan', 'is required');
  if (!DIGITS.test(pan)) throw DomainError.invalid('pan', 'must contain digits only');
  if (pan.length < MIN_PAN_LENGTH || pan.length > MAX_PAN_LENGTH) {
    throw DomainError.invalid('pan', `must be ${MIN_PAN_LENGTH}-${MAX_PAN_LENGTH} digits`);
  }
  if (!luhnValid(pan)) throw DomainError.invalid('pan', 'fails the Luhn check');
  const bin = bins.lookup(pan);
  if (!bin.lengths.includes(pan.length)) {
    throw DomainError.invalid('pan', `a ${bin.brand} card number has ${bin.lengths.join(', ')} digits`);
  }

  const month = /^(0[1-9]|1[0-2])$/.test(fields.expiry_month) ? Number(fields.expiry_month) : NaN;
  if (Number.isNaN(month)) throw DomainError.invalid('expiry_month', 'must be two digits 01-12');
  const year = /^\d{4}$/.test(fields.expiry_year) ? Number(fields.expiry_year) : NaN;
  if (Number.isNaN(year)) throw DomainError.invalid('expiry_year', 'must be four digits, e.g. 2030');
  if (year > yearInChina(now) + MAX_YEARS_AHEAD) {
    throw DomainError.invalid('expiry_year', `must be within ${MAX_YEARS_AHEAD} years`);
  }
  if (isExpired(month, year, now)) {
    // Name the field that makes the date past: the month within the current year, otherwise the year.
    const field = year === yearInChina(now) ? 'expiry_month' : 'expiry_year';
    throw DomainError.invalid(field, 'the card has expired (valid through its month end, UTC+8)');
  }

  if (fields.cvn2) {
    const digits = bin.brand === 'AMEX' ? 4 : 3;
    if (!new RegExp(`^\\d{${digits}}$`).test(fields.cvn2)) {
      throw DomainError.invalid('cvn2', `must be ${digits} digits for a ${bin.brand} card`);
    }
  }

  return {
    cardholderRef,
    pan,
    panLength: pan.length,
    bin: pan.slice(0, 6),
    last4: pan.slice(-4),
    brand: bin.brand,
    issuer: bin.issuer,
    expiryMonth: fields.expiry_month,
    expiryYear: fields.expiry_year,
  };
}
