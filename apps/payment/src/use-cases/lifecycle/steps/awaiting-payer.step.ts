import { type Payment } from '../../../domain/payment';
import { type LifecycleDeps } from '../lifecycle-deps';
import { moved, retryLater, type StepResult, waitForEvent } from '../step-result';

const ACTOR = 'awaiting-payer-step';

/**
 * AWAITING_PAYER, when the janitor finds it due: the order is queried (a notification may be late or lost).
 * Paid → capture; failed or closed → close and release; unpaid after the expiry → close and release.
 */
export async function pollAwaitingPayerStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  if (p.cancelRequested) {
    return moved(await d.writer.move(p, 'CLOSING', { reversalReason: 'CANCELLED' }, { actor: ACTOR }));
  }
  let state;
  try {
    state = await d.wechat.queryOrder(p.outTradeNo);
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'query-order', outcome: 'ok' });
  } catch {
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'query-order', outcome: 'error' });
    return retryLater(d.settings.retryDelayMs, 'order query failed');
  }
  const expired = p.orderExpiresAt !== null && Date.now() >= p.orderExpiresAt.getTime();
  if (state.found && (state.tradeState === 'SUCCESS' || state.tradeState === 'REFUND')) {
    return moved(
      await d.writer.move(
        p,
        'PAYER_PAID',
        { wechatTransactionId: state.transactionId ?? null },
        { actor: ACTOR, reason: 'ORDER_QUERY' },
      ),
    );
  }
  if (state.found && ['PAYERROR', 'CLOSED', 'REVOKED', 'PAY_FAIL'].includes(state.tradeState)) {
    return moved(await d.writer.move(p, 'CLOSING', { reversalReason: state.tradeState }, { actor: ACTOR }));
  }
  if (expired) {
    return moved(await d.writer.move(p, 'CLOSING', { reversalReason: 'EXPIRED' }, { actor: ACTOR }));
  }
  const nextPoll = Math.min(
    d.settings.awaitingPollMs,
    Math.max(0, (p.orderExpiresAt?.getTime() ?? Date.now()) - Date.now()),
  );
  return retryLater(nextPoll, 'payer has not paid yet');
}

/** A caller's cancel while the payer has not paid: close the order first. */
export async function cancelAwaitingPayerStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  if (!p.cancelRequested) return waitForEvent;
  return moved(await d.writer.move(p, 'CLOSING', { reversalReason: 'CANCELLED' }, { actor: ACTOR }));
}
