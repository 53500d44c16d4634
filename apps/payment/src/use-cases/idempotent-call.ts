import { randomUUID } from 'crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { type PaymentMetrics } from '../payment-metrics';
import { type ExtraWrites, type Row } from '../persistence/sql-values';
import { requestFingerprint } from '../idempotency/fingerprint';
import {
  type Claim,
  type IdempotencyRef,
  type IdempotencyRepository,
  type StoredAnswer,
} from '../idempotency/idempotency.repository';

export type DriveOutcome = { answer: StoredAnswer } | { undecided: true };

export interface IdempotentCall extends IdempotencyRef {
  /** The request's parameters (without its key), fingerprinted to tell a retry from a different request. */
  params: Record<string, unknown>;
  /**
   * Creates the resource in the transaction that records the key; throwing leaves no trace of either. `id` is
   * the id the key already names: a resource created under it needs no second write to the key's record.
   */
  create(m: EntityManager, id: string): Promise<string>;
  /**
   * For a resource written without reading anything first: its writes (CTEs, guarded by the key's claim) in the
   * statement that claims the key, one round trip instead of a transaction; `returning` names the CTE whose row
   * `drive` receives. `create` remains the way when the key turns out to exist.
   */
  insert?(id: string): { writes: ExtraWrites; returning: string };
  /**
   * Drives the resource and says what to answer (kept), or that it is undecided (answer later). `created` when
   * this call created it (with the row the claiming statement returned, if it was `insert`).
   */
  drive(resourceId: string, created?: { row?: Row }): Promise<DriveOutcome>;
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
    claim = await claimOrCreate(deps, call, fingerprint);
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
    outcome = await call.drive(claim.resourceId, claim.kind === 'first' ? { row: claim.row } : undefined);
  } catch (e) {
    await deps.records.release(deps.ds, call).catch(() => undefined);
    throw e;
  }
  if ('undecided' in outcome) {
    await deps.records.release(deps.ds, call);
    return 'undecided';
  }
  await deps.records.complete(deps.ds, call, outcome.answer);
  return outcome.answer;
}

async function claimOrCreate(
  deps: IdempotencyDeps,
  call: IdempotentCall,
  fingerprint: string,
): Promise<Exclude<Claim, { kind: 'first' }> | { kind: 'first'; resourceId: string; row?: Row }> {
  if (call.insert) {
    const id = randomUUID();
    const insert = call.insert(id);
    const row = await deps.records.claimWith(deps.ds, call, fingerprint, deps.leaseMs, id, insert);
    if (row) return { kind: 'first', resourceId: id, row };
    // The key exists: what its first call left is read below, under the record's lock.
  }
  return deps.ds.transaction(async (m) => {
    const proposed = randomUUID();
    const c = await deps.records.claim(m, call, fingerprint, deps.leaseMs, proposed);
    if (c.kind !== 'first') return c;
    const resourceId = await call.create(m, proposed);
    if (resourceId !== proposed) await deps.records.setResource(m, call, resourceId);
    return { kind: 'first' as const, resourceId };
  });
}
