import { RpcError } from '@wxpay/grpc';
import { type Mode } from '../domain/schedule/schedule-policy';

/*
 * Field checks for AutoRepayment requests: each failure names the field (x-field trailer) and changes nothing.
 * Messages never echo the value (a mistaken card number in a token field must not travel back in an error).
 */

const PRINTABLE = /^[\x21-\x7e]{1,128}$/;
const CARD_NUMBER_RUN = /\d{12,19}/;

export function idempotencyKey(v: unknown): string {
  if (typeof v !== 'string' || !PRINTABLE.test(v)) {
    throw RpcError.invalidArgument('idempotency_key', 'must be 1..128 printable ASCII characters');
  }
  if (CARD_NUMBER_RUN.test(v))
    throw RpcError.invalidArgument('idempotency_key', 'must not contain a card number');
  return v;
}

export function token(field: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{4,128}$/.test(v)) {
    throw RpcError.invalidArgument(field, 'must be a vault token (4..128 letters, digits, _ or -)');
  }
  if (CARD_NUMBER_RUN.test(v))
    throw RpcError.invalidArgument(field, 'must be a vault token, not a card number');
  return v;
}

export function identifier(field: string, v: unknown, max = 64): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max || !/^[\x21-\x7e]+$/.test(v)) {
    throw RpcError.invalidArgument(field, `must be 1..${max} printable ASCII characters`);
  }
  return v;
}

export function optionalText(field: string, v: unknown, max = 200): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string' || v.length > max)
    throw RpcError.invalidArgument(field, `must be text of at most ${max}`);
  return v;
}

export function mode(v: unknown, required: boolean): Mode | undefined {
  if (v === 'FULL' || v === 'MINIMUM' || v === 'FIXED') return v;
  if (!required && (v === undefined || v === 'MODE_UNSPECIFIED' || v === 0)) return undefined;
  throw RpcError.invalidArgument('mode', 'must be FULL, MINIMUM or FIXED');
}

/** Money as integer minor units of the given currency; `undefined` when absent and optional. */
export function amount(
  field: string,
  v: unknown,
  o: { currency: string; required: boolean; allowZero?: boolean },
): number | undefined {
  const m = v as { amount_minor?: unknown; currency?: unknown } | null | undefined;
  if (!m || (m.amount_minor === undefined && m.currency === undefined)) {
    if (o.required) throw RpcError.invalidArgument(field, 'is required');
    return undefined;
  }
  const raw = String(m.amount_minor ?? '');
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw RpcError.invalidArgument(`${field}.amount_minor`, 'must be a non-negative integer of minor units');
  }
  const n = Number(raw);
  if (n === 0 && !o.allowZero) throw RpcError.invalidArgument(`${field}.amount_minor`, 'must be positive');
  if (m.currency !== o.currency) throw RpcError.invalidArgument(`${field}.currency`, `must be ${o.currency}`);
  return n;
}

/** 1..10; 0 (proto3's unset) means the service default on create and "keep" on update. */
export function daysBeforeDue(v: unknown, fallback: number | undefined): number | undefined {
  const n = v === undefined || v === null ? 0 : Number(v);
  if (n === 0) return fallback;
  if (!Number.isInteger(n) || n < 1 || n > 10)
    throw RpcError.invalidArgument('days_before_due', 'must be 1..10');
  return n;
}

export function isoDate(field: string, v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw RpcError.invalidArgument(field, 'must be a date YYYY-MM-DD');
  }
  if (new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v)
    throw RpcError.invalidArgument(field, 'is not a calendar date');
  return v;
}
