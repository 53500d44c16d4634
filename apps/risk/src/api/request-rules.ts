import { cardTokenSchema } from '@wxpay/contracts';
import { RpcError } from '@wxpay/grpc';
import { isIP } from 'net';
import { LIST_KINDS, LIST_SUBJECTS, type ListKind, type ListSubject } from '../domain/state/list-cache';

const ID = /^[A-Za-z0-9_.:@-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export function requireId(value: string | undefined, field: string, max = 128): string {
  const v = value ?? '';
  if (!v) throw RpcError.invalidArgument(field, 'is required');
  if (v.length > max) throw RpcError.invalidArgument(field, `must be at most ${max} characters`);
  if (!ID.test(v)) throw RpcError.invalidArgument(field, 'may contain only letters, digits and _ . : @ -');
  return v;
}

export function requireUuid(value: string | undefined, field: string): string {
  const v = (value ?? '').toLowerCase();
  if (!UUID.test(v)) throw RpcError.invalidArgument(field, 'must be a UUID');
  return v;
}

export function optionalText(value: string | undefined, field: string, max: number): string {
  const v = value ?? '';
  if (v.length > max) throw RpcError.invalidArgument(field, `must be at most ${max} characters`);
  return v;
}

/** An optional future instant (empty = none). */
export function optionalFutureInstant(value: string | undefined, field: string, now: number): number | null {
  if (!value) return null;
  const at = INSTANT.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(at))
    throw RpcError.invalidArgument(field, 'must be an ISO-8601 UTC instant ending in Z');
  if (at <= now) throw RpcError.invalidArgument(field, 'must be in the future');
  return at;
}

export function requireEnum<T extends string>(
  value: string | undefined,
  field: string,
  allowed: readonly T[],
): T {
  if (!value || !(allowed as readonly string[]).includes(value)) {
    throw RpcError.invalidArgument(field, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function listKind(value: string | undefined, field = 'kind'): ListKind {
  return requireEnum(value, field, LIST_KINDS);
}

export function listSubject(value: string | undefined, field = 'subject'): ListSubject {
  return requireEnum(value, field, LIST_SUBJECTS);
}

/** The value of a list entry, checked as what its subject is. */
export function listValue(subject: ListSubject, value: string | undefined): string {
  if (subject === 'IP') {
    const v = value ?? '';
    if (isIP(v) === 0) throw RpcError.invalidArgument('value', 'must be an IPv4 or IPv6 address');
    return v;
  }
  const v = requireId(value, 'value');
  if (subject === 'CARD_TOKEN' && /^\d{12,19}$/.test(v)) {
    throw RpcError.invalidArgument('value', 'must be a vault token, not a card number');
  }
  if (subject === 'CARD_TOKEN' && !cardTokenSchema.safeParse(v).success) {
    throw RpcError.invalidArgument('value', 'must be a vault token (tok_ + 26 base32 characters)');
  }
  return v;
}
