import { Inject, Injectable } from '@nestjs/common';
import { CardEventTypes, type CardView, type TokenStatusRequest } from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { IdempotencyStore } from '@wxpay/persistence';
import { type EntityManager } from 'typeorm';
import { type AuditAction } from '../domain/audit-entry';
import { toCardView } from '../domain/card-view';
import { checkFreeText, checkToken } from '../domain/text-fields';
import { tokenNotFound, VaultErrors, vaultError } from '../errors';
import { emitCardEvent } from '../persistence/card-events';
import { CardRepository, type CardRow } from '../persistence/card.repository';
import { VAULT_DEPS, type Caller, type VaultDeps } from '../vault-deps';

export type StatusChange = 'suspend' | 'resume' | 'delete';

/**
 * Suspend, resume and delete. ACTIVE ⇄ SUSPENDED, and either → DELETED (final; the card number is erased).
 * Asking for the state a token is already in succeeds without a new event; suspending or resuming a deleted
 * token fails with FAILED_PRECONDITION / TOKEN_DELETED. The change, its event, its answer (idempotency) and its
 * audit entry commit in one transaction; refusals are audited by VaultRefusalFilter.
 */
@Injectable()
export class CardStatusService {
  constructor(
    @Inject(VAULT_DEPS) private readonly deps: VaultDeps,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async change(
    change: StatusChange,
    req: TokenStatusRequest,
    caller: Caller,
    key: IdempotentRequest,
  ): Promise<CardView> {
    const action: AuditAction = change;
    checkToken(req.token);
    const reason = checkFreeText('reason', req.reason, { required: false, max: 200 });
    const { value, replayed } = await this.idempotency.once(this.deps.dataSource, key, (manager) =>
      this.apply(manager, change, req.token, reason, caller),
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
  }

  private async apply(
    manager: EntityManager,
    change: StatusChange,
    token: string,
    reason: string | null,
    caller: Caller,
  ): Promise<{ value: CardView; last: (m: EntityManager) => Promise<void> }> {
    let row = await CardRepository.find(manager, token, true);
    if (!row) throw tokenNotFound();
    let outcome = 'ok';
    if (row.status === 'DELETED') {
      if (change !== 'delete') throw vaultError(VaultErrors.tokenDeleted, 'token: deleted', 'token');
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
    const emit = (next: CardRow, type: (typeof CardEventTypes)['deleted' | 'suspended' | 'resumed']) =>
      emitCardEvent(manager, this.deps.eventsTopic, type, next, caller.traceId, reason);
    let next: CardRow;
    if (change === 'delete') {
      next = await CardRepository.markDeleted(manager, row.token, reason);
      await emit(next, CardEventTypes.deleted);
    } else if (change === 'suspend') {
      if (row.status === 'SUSPENDED') return undefined;
      next = await CardRepository.setStatus(manager, row.token, 'SUSPENDED', reason);
      await emit(next, CardEventTypes.suspended);
    } else {
      if (row.status === 'ACTIVE') return undefined;
      next = await CardRepository.setStatus(manager, row.token, 'ACTIVE', reason);
      await emit(next, CardEventTypes.resumed);
    }
    return next;
  }
}
