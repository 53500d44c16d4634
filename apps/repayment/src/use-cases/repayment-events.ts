import { repaymentPayloadSchemas, Topics, type RepaymentEventType } from '@wxpay/contracts';
import { appendToOutbox } from '@wxpay/messaging';
import { type EntityManager } from 'typeorm';
import { type Plan } from '../domain/plans/plan';
import { type Run } from '../domain/runs/run';

/**
 * Writes a repayment event into the outbox in the caller's transaction. The payload is checked against the
 * published schema first, so a bug here fails the transaction instead of publishing a malformed fact.
 */
export async function emit(
  m: EntityManager,
  type: RepaymentEventType,
  aggregateId: string,
  payload: Record<string, unknown>,
  occurredAt: Date,
): Promise<void> {
  const checked = repaymentPayloadSchemas[type].parse(payload) as Record<string, unknown>;
  await appendToOutbox(m, {
    topic: Topics.repaymentsLifecycle.name,
    type,
    aggregateId,
    traceId: aggregateId,
    payload: checked,
    occurredAt,
  });
}

export function runFacts(run: Run): { statementId: string; planId?: string; cardToken: string } {
  return {
    statementId: run.statementId,
    ...(run.planId ? { planId: run.planId } : {}),
    cardToken: run.cardToken,
  };
}

export function planFacts(p: Plan, reason?: string): Record<string, unknown> {
  return {
    planId: p.id,
    cardToken: p.cardToken,
    contractId: p.contractId,
    mode: p.mode,
    ...(p.fixedAmountMinor !== null
      ? { fixedAmount: { minor: p.fixedAmountMinor, currency: p.currency } }
      : {}),
    daysBeforeDue: p.daysBeforeDue,
    status: p.status,
    version: p.version,
    ...(reason ? { reason } : {}),
  };
}

export const money = (minor: number, currency: string) => ({ minor, currency });
