import {
  WechatPayNotificationEventTypes,
  wechatPayContractNotifiedSchema,
  wechatPayTransactionNotifiedSchema,
  type EventEnvelope,
} from '@wxpay/contracts';
import { NonRetriableError, type HandlerContext } from '@wxpay/messaging';
import { type Logger } from '@wxpay/observability';
import { type PlanRepository } from '../persistence/plan.repository';
import { type RunRepository } from '../persistence/run.repository';
import { type RunService } from '../use-cases/run.service';

const FAILED_STATES = new Set(['PAY_FAIL', 'PAYERROR', 'CLOSED', 'REVOKED']);
/** Attempts whose result is still awaited: the only ones a result may settle. */
const OPEN_STATES: ReadonlySet<string> = new Set(['REQUESTED', 'ACCEPTED']);

/**
 * One transaction per notification, several partitions at once (not chunks: a chunk applies its events one after
 * another in one transaction, and on a due date that serialised every result behind the slowest; measured
 * ~13 results/s against ~100/s this way on the 2-core bench machine).
 *
 * Papay facts the payment service verified and forwarded on `wechatpay.notifications.v1`: deduction results
 * (TRANSACTION.SUCCESS / .FAIL, trade type PAP) and contract changes (ENTRUST.TERMINATE). Orders that are not
 * our deductions are ignored; a result for an attempt already settled changes nothing. A deduction result is not
 * applied from the event: anyone who can write the topic could forge one, and a forged success would credit the
 * card account for money WeChat Pay never collected. It brings the deduction's check forward instead (the CHECK
 * job asks WeChat Pay and applies its answer). A success without an amount, with another amount, or for an
 * attempt that already failed is refused to the DLQ and changes nothing.
 */
export function papayNotificationHandler(
  service: RunService,
  runs: RunRepository,
  plans: PlanRepository,
  logger: Logger,
) {
  return async (event: EventEnvelope, ctx: HandlerContext): Promise<void> => {
    const m = ctx.manager;
    if (event.type === WechatPayNotificationEventTypes.transaction) {
      const parsed = wechatPayTransactionNotifiedSchema.safeParse(event.payload);
      if (!parsed.success)
        throw new NonRetriableError(`transaction notification: ${parsed.error.issues[0]?.message}`);
      const t = parsed.data.transaction;
      if (parsed.data.endpoint !== 'papay' && t.tradeType !== 'PAP') return;
      const attempt = await runs.attemptByOutTradeNo(m, t.outTradeNo);
      if (!attempt) {
        logger.debug({ outTradeNo: t.outTradeNo }, 'papay notification for an order that is not a repayment');
        return;
      }
      const run = (await runs.get(m, attempt.statementId, true))!;
      const current = (await runs.attemptById(m, attempt.id))!;
      if (t.tradeState === 'SUCCESS') {
        if (t.amount?.total === undefined) {
          throw new NonRetriableError(
            `deduction ${t.outTradeNo}: a success without an amount is not applied`,
          );
        }
        if (t.amount.total !== current.amount) {
          throw new NonRetriableError(`deduction ${t.outTradeNo}: amount differs from the attempt`);
        }
        if (current.state === 'SUCCEEDED') return; // the same result again
        if (!OPEN_STATES.has(current.state)) {
          throw new NonRetriableError(
            `deduction ${t.outTradeNo}: a success for a ${current.state} attempt is not applied`,
          );
        }
        // Money moves only on WeChat Pay's own answer: the event brings the check of the deduction forward.
        await service.confirmAtWechatPay(m, run, current);
      } else if (FAILED_STATES.has(t.tradeState)) {
        // A failure is confirmed too: a forged one would have the run deduct again while the first succeeded.
        if (OPEN_STATES.has(current.state)) await service.confirmAtWechatPay(m, run, current);
      }
      return;
    }
    if (event.type === WechatPayNotificationEventTypes.contract) {
      const parsed = wechatPayContractNotifiedSchema.safeParse(event.payload);
      if (!parsed.success)
        throw new NonRetriableError(`contract notification: ${parsed.error.issues[0]?.message}`);
      const c = parsed.data.contract;
      if (c.contractState !== 'TERMINATED') return;
      for (const plan of await plans.liveForContract(m, c.contractId)) {
        await service.contractEnded(
          m,
          plan.id,
          `contract terminated at WeChat Pay (${c.terminationMode ?? 'unknown'})`,
        );
      }
    }
  };
}
