import { expiryProblem, panProblem } from '@wxpay/card';
import { DomainError } from '@wxpay/contracts';
import { type BinTable } from './bin-table';
import { containsPanLikeNumber } from './pan-checks';

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
  const panFault = panProblem(pan);
  if (panFault) throw DomainError.invalid('pan', panFault);
  const bin = bins.lookup(pan);
  if (!bin.lengths.includes(pan.length)) {
    throw DomainError.invalid('pan', `a ${bin.brand} card number has ${bin.lengths.join(', ')} digits`);
  }

  const expiryFault = expiryProblem(fields.expiry_month, fields.expiry_year, now);
  if (expiryFault) throw DomainError.invalid(`expiry_${expiryFault.part}`, expiryFault.problem);

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
