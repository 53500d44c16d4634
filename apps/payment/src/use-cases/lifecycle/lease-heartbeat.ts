/**
 * Keeps a driving lease alive while a step waits on a slow counterparty, so the janitor never takes over a payment
 * whose driver is still working (it would resolve an "abandoned" step that is in fact still in flight). Renewal
 * failures are ignored: every write is guarded by status and version anyway.
 */
export function leaseHeartbeat(leaseMs: number, renew: () => Promise<unknown>): () => void {
  const timer = setInterval(() => void renew().catch(() => undefined), Math.max(50, Math.floor(leaseMs / 3)));
  timer.unref();
  return () => clearInterval(timer);
}
