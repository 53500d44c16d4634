import { createHash } from 'crypto';

/** Canonical JSON (keys sorted at every level) so the same parameters always give the same fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the request's canonical form, without its idempotency key. */
export function requestFingerprint(operation: string, params: Record<string, unknown>): string {
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(params)}`)
    .digest('hex');
}
