import { type DataSource, type EntityManager } from 'typeorm';
import { type PaymentMetrics } from '../metrics/payment-metrics';
import { requestFingerprint } from './fingerprint';
import { type IdempotencyRepository, type StoredAnswer } from './idempotency.repository';

export type DriveOutcome = { answer: StoredAnswer } | { undecided: true };

export interface IdempotentCall {
  operation: string;
  key: string;
  /** The request's parameters (without its key), fingerprinted to tell a retry from a different request. */
  params: Record<string, unknown>;
  /** Creates the resource in the transaction that records the key; throwing leaves no trace of either. */
  create(m: EntityManager): Promise<string>;
  /** Drives the resource and says what to answer (kept), or that it is undecided (answer later). */
  drive(resourceId: string): Promise<DriveOutcome>;
}

export interface IdempotencyDeps {
  ds: DataSource;
  records: IdempotencyRepository;
  metrics: PaymentMetrics;
  leaseMs: number;
}

/**
 * Runs a mutating call at most once per idempotency key: the same key and parameters get the first answer again
 * (after a crash, the first call's resource is driven on to an answer); different parameters are a conflict; a
 * concurrent duplicate is told the first is in progress.
 */
export async function runIdempotent(
  deps: IdempotencyDeps,
  call: IdempotentCall,
): Promise<StoredAnswer | 'undecided'> {
  const fingerprint = requestFingerprint(call.operation, call.params);
  const count = (outcome: string) => deps.metrics.idempotency.inc({ operation: call.operation, outcome });
  let claim;
  try {
    claim = await deps.ds.transaction(async (m) => {
      const c = await deps.records.claim(m, call.operation, call.key, fingerprint, deps.leaseMs);
      if (c.kind !== 'first') return c;
      const resourceId = await call.create(m);
      await deps.records.setResource(m, call.operation, call.key, resourceId);
      return { kind: 'first' as const, resourceId };
    });
  } catch (e) {
    count(e instanceof Error ? e.name : 'error');
    throw e;
  }
  if (claim.kind === 'replay') {
    count('replayed');
    return claim.answer;
  }
  count(claim.kind === 'first' ? 'first' : 'resumed');
  if (!claim.resourceId) throw new Error(`idempotency record ${call.operation} has no resource`);
  let outcome: DriveOutcome;
  try {
    outcome = await call.drive(claim.resourceId);
  } catch (e) {
    await deps.records.release(deps.ds, call.operation, call.key).catch(() => undefined);
    throw e;
  }
  if ('undecided' in outcome) {
    await deps.records.release(deps.ds, call.operation, call.key);
    return 'undecided';
  }
  await deps.records.complete(deps.ds, call.operation, call.key, outcome.answer);
  return outcome.answer;
}
