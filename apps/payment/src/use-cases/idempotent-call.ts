import { randomUUID } from 'crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { IdempotencyStore, replay, type ClaimWrites, type Row, type StoredAnswer } from '@wxpay/persistence';
import { DATA_SOURCE } from '@wxpay/runtime';
import { type DataSource, type EntityManager } from 'typeorm';
import { outcomeUnknown } from '../errors';
import { PaymentMetrics } from '../payment-metrics';
import { PAYMENT_SETTINGS, type PaymentSettings } from '../payment-settings';

export type DriveOutcome = { answer: StoredAnswer } | { undecided: true };

export interface IdempotentCall {
  /** The key, its caller's scope and the request's fingerprint, as the @Idempotent interceptor made them. */
  request: IdempotentRequest;
  /**
   * Creates the resource in the transaction that claims the key; throwing leaves no trace of either. `id` is the
   * id the key already names: a resource created under it needs no second write to the key's record.
   */
  create(m: EntityManager, id: string): Promise<string>;
  /**
   * For a resource written without reading anything first: its writes (CTEs, guarded by the key's claim) in the
   * statement that claims the key (IdempotencyStore.claimWith), one round trip instead of a transaction;
   * `returning` names the CTE whose row `drive` receives. `create` remains the way when the key turns out to exist.
   */
  insert?(id: string): { writes: ClaimWrites; returning: string };
  /**
   * Drives the resource and says what to answer (kept), or that it is undecided (answer later). `created` when
   * this call created it (with the row the claiming statement returned, if it was `insert`).
   */
  drive(resourceId: string, created?: { row?: Row }): Promise<DriveOutcome>;
}

const OUTCOMES: Record<string, string> = { IDEMPOTENCY_CONFLICT: 'conflict', IN_PROGRESS: 'in_progress' };

/**
 * A mutating call that drives counterparties, at most once per idempotency key, on the shared IdempotencyStore
 * (claim … complete): the same key and request get the first answer again (after a crash, the first call's
 * resource is driven on to an answer); another request under the key is IDEMPOTENCY_CONFLICT; a concurrent
 * duplicate is told IN_PROGRESS while the first holds the key's lease. An undecided outcome is OUTCOME_UNKNOWN
 * and keeps nothing: the next retry resumes the same resource.
 */
@Injectable()
export class IdempotentCalls {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly store: IdempotencyStore,
    private readonly metrics: PaymentMetrics,
    @Inject(PAYMENT_SETTINGS) private readonly settings: PaymentSettings,
  ) {}

  async run<T>(call: IdempotentCall): Promise<T> {
    const { request } = call;
    const count = (outcome: string) =>
      this.metrics.idempotency.inc({ operation: request.operation, outcome });
    let claim;
    try {
      claim = await this.claimOrCreate(call);
    } catch (e) {
      count(e instanceof DomainError ? (OUTCOMES[e.code] ?? 'refused') : 'error');
      throw e;
    }
    if (claim.kind === 'replay') {
      count('replayed');
      return replay<T>(claim.answer);
    }
    count(claim.kind === 'first' ? 'first' : 'resumed');
    if (!claim.resourceId) throw new Error(`idempotency record ${request.operation} has no resource`);
    let outcome: DriveOutcome;
    try {
      outcome = await call.drive(claim.resourceId, claim.kind === 'first' ? { row: claim.row } : undefined);
    } catch (e) {
      await this.store.release(this.ds, request).catch(() => undefined);
      throw e;
    }
    if ('undecided' in outcome) {
      await this.store.release(this.ds, request);
      throw outcomeUnknown();
    }
    await this.store.complete(this.ds, request, outcome.answer);
    return replay<T>(outcome.answer);
  }

  private async claimOrCreate(call: IdempotentCall) {
    const { request } = call;
    const leaseMs = this.settings.leaseMs;
    if (call.insert) {
      const id = randomUUID();
      const row = await this.store.claimWith(this.ds, request, leaseMs, id, call.insert(id));
      if (row) return { kind: 'first' as const, resourceId: id, row };
      // The key exists: what its first call left is read below, under the record's lock.
    }
    return this.ds.transaction(async (m) => {
      const proposed = randomUUID();
      const c = await this.store.claim(m, request, leaseMs, proposed);
      if (c.kind !== 'first') return c;
      const resourceId = await call.create(m, proposed);
      if (resourceId !== proposed) await this.store.setResource(m, request, resourceId);
      return { kind: 'first' as const, resourceId, row: undefined as Row | undefined };
    });
  }
}
