import { maskPans } from '@wxpay/card';
import { REDACTED, SecretKeyMatcher } from './secret-keys';

export interface SanitizerOptions {
  /** More field names to redact, on top of the built-in list (compared case- and punctuation-insensitively). */
  extraSecretKeys?: readonly string[];
  /**
   * Also mask PANs inside strings. The logger leaves this off because it masks the whole serialised line
   * afterwards, which also covers the message, child bindings and serializer output.
   */
  maskStrings?: boolean;
  /** Deeper values are replaced by `[Truncated]`, so a huge or hostile object cannot slip secrets past. */
  maxDepth?: number;
}

const TRUNCATED = '[Truncated]';
const CIRCULAR = '[Circular]';
// Integers below 10^12 have at most 12 digits and can never be a PAN.
const SMALLEST_PAN_SIZED_INTEGER = 1e12;

type Walk = (value: unknown, depth: number) => unknown;

/**
 * Builds a function that returns a log-safe version of any value: fields with secret names become
 * `[REDACTED]` at any depth, Errors become plain `{ type, message, stack, code, cause, ... }` objects (so nested
 * errors keep their message and their own fields are redacted too), integers that are Luhn-valid PANs become
 * masked strings, and cycles become `[Circular]`. Values that need no change are returned as they are (no copy).
 */
export function createSanitizer(options: SanitizerOptions = {}): (value: unknown) => unknown {
  const secrets = new SecretKeyMatcher(options.extraSecretKeys);
  const maskStrings = options.maskStrings ?? false;
  const maxDepth = options.maxDepth ?? 12;
  const ancestors = new Set<object>();

  const walk: Walk = (value, depth) => {
    switch (typeof value) {
      case 'string':
        return maskStrings ? maskPans(value) : value;
      case 'number':
        return Number.isInteger(value) && Math.abs(value) >= SMALLEST_PAN_SIZED_INTEGER
          ? maskDigits(String(value), value)
          : value;
      case 'bigint':
        return value >= SMALLEST_PAN_SIZED_INTEGER || -value >= SMALLEST_PAN_SIZED_INTEGER
          ? maskDigits(value.toString(), value)
          : value;
      case 'object':
        if (value === null) return value;
        if (depth > maxDepth) return TRUNCATED;
        if (ancestors.has(value)) return CIRCULAR;
        ancestors.add(value);
        try {
          return walkObject(value, depth);
        } finally {
          ancestors.delete(value);
        }
      default:
        return value;
    }
  };

  const walkObject = (value: object, depth: number): unknown => {
    if (value instanceof Error) return serialiseError(value, depth);
    if (Array.isArray(value)) return walkArray(value, depth);
    if (isOpaque(value)) return value;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1);
    return walkFields(value as Record<string, unknown>, depth);
  };

  const walkArray = (items: readonly unknown[], depth: number): unknown[] => {
    let copy: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const next = walk(items[i], depth + 1);
      if (next !== items[i]) {
        copy ??= items.slice();
        copy[i] = next;
      }
    }
    return copy ?? (items as unknown[]);
  };

  const walkFields = (record: Record<string, unknown>, depth: number): Record<string, unknown> => {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
      const value = record[key];
      const next =
        value !== undefined && value !== null && secrets.isSecret(key) ? REDACTED : walk(value, depth + 1);
      if (next !== value) {
        copy ??= { ...record };
        copy[key] = next;
      }
    }
    return copy ?? record;
  };

  const serialiseError = (err: Error, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      type: err.constructor?.name ?? err.name,
      message: err.message,
      stack: err.stack,
    };
    // Own fields such as `code`, `status` or a careless `cardNumber`, redacted like any record.
    Object.assign(out, walkFields({ ...err }, depth));
    if (err.cause !== undefined) out.cause = walk(err.cause, depth + 1);
    if (err instanceof AggregateError) out.errors = walk(err.errors, depth + 1);
    if (maskStrings) {
      out.message = maskPans(String(out.message));
      if (typeof out.stack === 'string') out.stack = maskPans(out.stack);
    }
    return out;
  };

  const maskDigits = (digits: string, original: number | bigint): unknown => {
    const masked = maskPans(digits);
    return masked === digits ? original : masked;
  };

  return (value: unknown) => walk(value, 0);
}

/** Binary and collection objects that JSON cannot describe field by field; walking them would only cost time. */
function isOpaque(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Date
  );
}
