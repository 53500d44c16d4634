/**
 * Which failures may be retried for a call:
 * - `safe`: reads (GET queries). Retry timeouts, network errors, 5xx and 429.
 * - `keyed`: writes WeChat de-duplicates by our number (out_trade_no, out_refund_no): re-sending identical
 *   parameters cannot double-charge or double-refund, so timeouts, network errors and 5xx are retried (WeChat's
 *   own guidance). 429 is not: it means "not done", and for refunds WeChat asks to query first.
 * - `none`: writes without such a key (pre-deduction notices, contract termination, scheduling): never retried;
 *   a timeout surfaces to the caller, who must query.
 */
export type RetryMode = 'safe' | 'keyed' | 'none';

export type AttemptOutcome =
  { readonly kind: 'transport' } | { readonly kind: 'status'; readonly status: number };

export function mayRetry(mode: RetryMode, outcome: AttemptOutcome): boolean {
  if (mode === 'none') return false;
  if (outcome.kind === 'transport') return true;
  if (outcome.status >= 500) return true;
  return outcome.status === 429 && mode === 'safe';
}

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Exponential with full jitter; a `Retry-After` (seconds) from WeChat wins when it is longer. */
export function backoffDelay(attempt: number, options: BackoffOptions, retryAfter?: string | null): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  const jittered = Math.floor(Math.random() * exp);
  const hinted = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
  return Math.min(options.maxMs, Math.max(jittered, hinted));
}
