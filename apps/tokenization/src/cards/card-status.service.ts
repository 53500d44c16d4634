import { CardEventTypes } from '@wxpay/contracts';
import { type EntityManager } from 'typeorm';
import { auditRefusal } from '../audit/audit-refusal';
import { type AuditAction } from '../audit/audit-entry';
import { Reasons, VaultError } from '../errors';
import { checkIdempotencyKey, runIdempotent } from '../idempotency/idempotency';
import { type Caller, type VaultDeps } from '../vault-deps';
import { CardRepository, type CardRow } from './card.repository';
import { emitCardEvent } from './card-events';
import { toCardView, type CardView } from './card-view';
import { isToken } from './card-token';
import { checkFreeText, checkToken } from './text-fields';

export interface TokenStatusRequest {
  idempotency_key: string;
  token: string;
  reason: string;
}

export type StatusChange = 'suspend' | 'resume' | 'delete';

const METHOD: Record<StatusChange, string> = {
  suspend: 'SuspendToken',
  resume: 'ResumeToken',
  delete: 'DeleteToken',
};

/**
 * Suspend, resume and delete. ACTIVE ⇄ SUSPENDED, and either → DELETED (final; the card number is erased).
 * Asking for the state a token is already in succeeds without a new event; suspending or resuming a deleted
 * token fails with FAILED_PRECONDITION / TOKEN_DELETED. The change, its event and its audit entry commit in one
 * transaction.
 */
export class CardStatusService {
  constructor(private readonly deps: VaultDeps) {}

  async change(change: StatusChange, req: TokenStatusRequest, caller: Caller): Promise<CardView> {
    const action: AuditAction = change;
    let reason: string | null;
    try {
      checkIdempotencyKey(req.idempotency_key);
      checkToken(req.token);
      reason = checkFreeText('reason', req.reason, { required: false, max: 200 });
    } catch (e) {
      if (e instanceof VaultError) {
        // Only a well-formed token goes into the log: anything else a caller sent stays out of it.
        const token = isToken(req.token) ? req.token : null;
        await auditRefusal(this.deps, {
          actor: caller.actor,
          action,
          token,
          result: 'invalid',
          reason: e.field ?? null,
        });
      }
      throw e;
    }
    const method = METHOD[change];
    const requestHash = this.deps.ring.requestHash(method, [req.token, reason]);
    try {
      const { value, replayed } = await runIdempotent(
        this.deps.dataSource,
        { caller: caller.actor, key: req.idempotency_key, method, requestHash },
        (manager) => this.apply(manager, change, req.token, reason, caller),
      );
      if (change === 'delete') this.deps.dekCache.forget(req.token);
      if (replayed) {
        await this.deps.audit.append({
          actor: caller.actor,
          action,
          token: req.token,
          result: 'ok, replayed',
          reason,
        });
      }
      return value;
    } catch (e) {
      if (e instanceof VaultError) {
        await auditRefusal(this.deps, {
          actor: caller.actor,
          action,
          token: req.token,
          result: e.kind,
          reason: e.reason ?? reason,
        });
      }
      throw e;
    }
  }

  private async apply(
    manager: EntityManager,
    change: StatusChange,
    token: string,
    reason: string | null,
    caller: Caller,
  ): Promise<{ value: CardView; last: (m: EntityManager) => Promise<void> }> {
    let row = await CardRepository.find(manager, token, true);
    if (!row) throw VaultError.tokenNotFound();
    let outcome = 'ok';
    if (row.status === 'DELETED') {
      if (change !== 'delete') {
        throw new VaultError('failed-precondition', 'token: deleted', 'token', Reasons.tokenDeleted);
      }
      outcome = 'ok, already deleted';
    } else {
      const next = await this.transition(manager, change, row, reason, caller);
      if (next) row = next;
      else outcome = `ok, already ${row.status.toLowerCase()}`;
    }
    const fact = { actor: caller.actor, action: change, token, result: outcome, reason };
    return { value: toCardView(row), last: (m) => this.deps.audit.appendWithin(m, [fact]) };
  }

  /** The changed row, or undefined when the token is already in the asked state. */
  private async transition(
    manager: EntityManager,
    change: StatusChange,
    row: CardRow,
    reason: string | null,
    caller: Caller,
  ): Promise<CardRow | undefined> {
    let next: CardRow;
    if (change === 'delete') {
      next = await CardRepository.markDeleted(manager, row.token, reason);
      await emitCardEvent(
        manager,
        this.deps.eventsTopic,
        CardEventTypes.deleted,
        next,
        caller.traceId,
        reason,
      );
    } else if (change === 'suspend') {
      if (row.status === 'SUSPENDED') return undefined;
      next = await CardRepository.setStatus(manager, row.token, 'SUSPENDED', reason);
      await emitCardEvent(
        manager,
        this.deps.eventsTopic,
        CardEventTypes.suspended,
        next,
        caller.traceId,
        reason,
      );
    } else {
      if (row.status === 'ACTIVE') return undefined;
      next = await CardRepository.setStatus(manager, row.token, 'ACTIVE', reason);
      await emitCardEvent(
        manager,
        this.deps.eventsTopic,
        CardEventTypes.resumed,
        next,
        caller.traceId,
        reason,
      );
    }
    return next;
  }
}
