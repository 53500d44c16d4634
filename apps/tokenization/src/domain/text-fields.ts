import { DomainError } from '@wxpay/contracts';
import { isToken } from './card-token';
import { containsPanLikeNumber } from './pan-checks';

export function checkToken(value: string): string {
  if (!value) throw DomainError.invalid('token', 'is required');
  if (!isToken(value))
    throw DomainError.invalid('token', 'must be a vault token (tok_ + 26 base32 characters)');
  return value;
}

const FREE_TEXT = /^[\p{L}\p{N} _.,:;()/'-]*$/u;

/**
 * A reason or purpose: short printable text that ends up in events and the audit log, so it must not carry a
 * card number (or anything that looks like one).
 */
export function checkFreeText(
  field: string,
  value: string,
  opts: { required: boolean; max: number },
): string | null {
  if (!value) {
    if (opts.required) throw DomainError.invalid(field, 'is required');
    return null;
  }
  if (value.length > opts.max) throw DomainError.invalid(field, `must be at most ${opts.max} characters`);
  if (!FREE_TEXT.test(value))
    throw DomainError.invalid(field, 'must be letters, digits, spaces and simple punctuation');
  if (containsPanLikeNumber(value)) throw DomainError.invalid(field, 'must not contain a card number');
  return value;
}
