import { isIP } from 'net';
import { cardTokenSchema } from '@wxpay/contracts';
import { RpcError } from '@wxpay/grpc';

/** Field checks for the Payments requests: each failure is INVALID_ARGUMENT naming the field, nothing changed. */

export const SCENES = ['ONLINE', 'OFFLINE_QR', 'CROSS_BORDER'] as const;
export const TRADE_TYPES = ['JSAPI', 'NATIVE'] as const;

export function idempotencyKey(value: unknown, field = 'idempotency_key'): string {
  const s = typeof value === 'string' ? value : '';
  if (!/^[\x21-\x7e]{1,128}$/.test(s))
    throw RpcError.invalidArgument(field, 'must be 1–128 printable ASCII characters');
  return s;
}

export function uuid(value: unknown, field: string): string {
  const s = typeof value === 'string' ? value.toLowerCase() : '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) {
    throw RpcError.invalidArgument(field, 'must be a payment id (UUID)');
  }
  return s;
}

export function cardToken(value: unknown, field = 'card_token'): string {
  const s = typeof value === 'string' ? value : '';
  // Never echo the value: a caller who put a card number here must not see it in an error.
  if (!cardTokenSchema.safeParse(s).success)
    throw RpcError.invalidArgument(field, 'must be a vault token (tok_…)');
  return s;
}

/** int64 minor units arrive as strings: a positive safe integer, or refused. */
export function positiveMinor(value: unknown, field: string): number {
  const s = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  if (!/^\d{1,16}$/.test(s))
    throw RpcError.invalidArgument(field, 'must be a positive whole number of minor units');
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw RpcError.invalidArgument(field, 'must be a positive whole number of minor units');
  }
  return n;
}

export function currency(value: unknown, field: string): 'CNY' {
  if (value !== 'CNY') throw RpcError.invalidArgument(field, 'must be CNY (WeChat Pay domestic orders)');
  return 'CNY';
}

export function text(
  value: unknown,
  field: string,
  opts: { min?: number; max: number; pattern?: RegExp },
): string {
  const s = typeof value === 'string' ? value : '';
  if (s.length < (opts.min ?? 0) || s.length > opts.max) {
    throw RpcError.invalidArgument(field, `must be ${opts.min ?? 0}–${opts.max} characters`);
  }
  if (opts.pattern && s.length > 0 && !opts.pattern.test(s))
    throw RpcError.invalidArgument(field, 'has invalid characters');
  // WeChat Pay accepts only 1–3 byte UTF-8 characters.
  if (/[\u{10000}-\u{10FFFF}]/u.test(s))
    throw RpcError.invalidArgument(field, 'must not contain emoji or supplementary characters');
  return s;
}

export function optionalText(value: unknown, field: string, max: number): string | null {
  const s = text(value, field, { max });
  return s === '' ? null : s;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (!found) throw RpcError.invalidArgument(field, `must be one of ${allowed.join(', ')}`);
  return found;
}

export function ip(value: unknown, field: string): string | null {
  const s = typeof value === 'string' ? value : '';
  if (s === '') return null;
  if (!isIP(s)) throw RpcError.invalidArgument(field, 'must be an IPv4 or IPv6 address');
  return s;
}

export function businessDate(value: unknown, field: string): string | null {
  const s = typeof value === 'string' ? value : '';
  if (s === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) {
    throw RpcError.invalidArgument(field, 'must be a date YYYY-MM-DD');
  }
  return s;
}
