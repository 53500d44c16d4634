import {
  WechatPayNotificationEventTypes,
  wechatPayContractNotifiedSchema,
  wechatPayTransactionNotifiedSchema,
  type EventEnvelope,
  type WechatPayContractNotified,
  type WechatPayTransactionNotified,
} from '@wxpay/contracts';
import { type BatchHandler, type ChunkTransaction, NonRetriableError } from '@wxpay/messaging';
import { type Logger } from '@wxpay/observability';
import { type EntityManager } from 'typeorm';
import { type PlanRepository } from '../plans/plan.repository';
import { type RunRepository } from '../runs/run.repository';
import { type RunService } from '../runs/run-service';
import { classifyDecline } from '../schedule/decline-class';

const FAILED_STATES = new Set(['PAY_FAIL', 'PAYERROR', 'CLOSED', 'REVOKED']);

type Prepared =
  | { kind: 'deduction'; t: WechatPayTransactionNotified['transaction'] }
  | { kind: 'contract'; c: WechatPayContractNotified['contract'] }
  | { kind: 'other' };

/**
 * Papay facts the payment service verified and forwarded on `wechatpay.notifications.v1`: deduction results
 * (TRANSACTION.SUCCESS / .FAIL, trade type PAP) and contract changes (ENTRUST.TERMINATE). Applied in chunks, one
 * transaction each: on a due date the results of a whole billing cycle arrive together. Orders that are not our
 * deductions are ignored; a result for an attempt already settled changes nothing.
 */
export function papayNotificationHandler(
  service: RunService,
  runs: RunRepository,
  plans: PlanRepository,
  logger: Logger,
): BatchHandler<Prepared> {
  const deduction = async (m: EntityManager, t: WechatPayTransactionNotified['transaction']) => {
    const attempt = await runs.attemptByOutTradeNo(m, t.outTradeNo);
    if (!attempt) {
      logger.debug({ outTradeNo: t.outTradeNo }, 'papay notification for an order that is not a repayment');
      return;
    }
    const run = (await runs.get(m, attempt.statementId, true))!;
    const current = (await runs.attemptById(m, attempt.id))!;
    if (t.tradeState === 'SUCCESS') {
      if (t.amount?.total !== undefined && t.amount.total !== current.amount) {
        throw new NonRetriableError(`deduction ${t.outTradeNo}: amount differs from the attempt`);
      }
      await service.attemptSucceeded(m, run, current, t.transactionId);
    } else if (FAILED_STATES.has(t.tradeState)) {
      const reason = t.tradeStateDesc ?? t.tradeState;
      await service.attemptFailed(m, run, current, classifyDecline(undefined, reason), reason);
    }
  };
  return {
    prepare(event: EventEnvelope): Prepared {
      if (event.type === WechatPayNotificationEventTypes.transaction) {
        const parsed = wechatPayTransactionNotifiedSchema.safeParse(event.payload);
        if (!parsed.success) {
          throw new NonRetriableError(`transaction notification: ${parsed.error.issues[0]?.message}`);
        }
        const t = parsed.data.transaction;
        return parsed.data.endpoint === 'papay' || t.tradeType === 'PAP'
          ? { kind: 'deduction', t }
          : { kind: 'other' };
      }
      if (event.type === WechatPayNotificationEventTypes.contract) {
        const parsed = wechatPayContractNotifiedSchema.safeParse(event.payload);
        if (!parsed.success) {
          throw new NonRetriableError(`contract notification: ${parsed.error.issues[0]?.message}`);
        }
        return parsed.data.contract.contractState === 'TERMINATED'
          ? { kind: 'contract', c: parsed.data.contract }
          : { kind: 'other' };
      }
      return { kind: 'other' };
    },
    async apply(items, tx: ChunkTransaction): Promise<void> {
      for (const { prepared } of items) {
        if (prepared.kind === 'deduction') await deduction(tx.manager, prepared.t);
        if (prepared.kind === 'contract') {
          const c = prepared.c;
          for (const plan of await plans.liveForContract(tx.manager, c.contractId)) {
            await service.contractEnded(
              tx.manager,
              plan.id,
              `contract terminated at WeChat Pay (${c.terminationMode ?? 'unknown'})`,
            );
          }
        }
      }
    },
  };
}
