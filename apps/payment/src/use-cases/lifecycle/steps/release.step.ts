import { type Payment } from '../../../domain/payment';
import { type LifecycleDeps } from '../lifecycle-deps';
import { moved, retryLater, type StepResult } from '../step-result';
import { safeReverse } from './authorize.step';

const ACTOR = 'release-step';

/**
 * CLOSING → REVERSING, or PAYER_PAID when WeChat Pay refuses to close because the payer paid in the meantime
 * (the payment is then captured, and a cancel that asked for the close fails with ALREADY_PAID).
 */
export async function closeOrderStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  let outcome: 'CLOSED' | 'ALREADY_PAID';
  try {
    outcome = await d.wechat.closeOrder(p.outTradeNo);
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'close-order', outcome });
  } catch {
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'close-order', outcome: 'error' });
    return retryLater(d.settings.retryDelayMs, 'close not confirmed');
  }
  if (outcome === 'CLOSED') return moved(await d.writer.move(p, 'REVERSING', {}, { actor: ACTOR }));
  let transactionId: string | null = null;
  try {
    const state = await d.wechat.queryOrder(p.outTradeNo);
    if (state.found) transactionId = state.transactionId ?? null;
  } catch {
    // The transaction id also arrives with TRANSACTION.SUCCESS; capture does not need it.
  }
  return moved(
    await d.writer.move(
      p,
      'PAYER_PAID',
      { wechatTransactionId: transactionId, cancelRequested: false },
      { actor: ACTOR, reason: 'PAID_BEFORE_CLOSE' },
    ),
  );
}

/** REVERSING → REVERSED | CANCELLED when the channel acknowledges the release of the hold. */
export async function reverseHoldStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  if ((await safeReverse(d, p)) !== 'ACKNOWLEDGED') {
    return retryLater(d.settings.retryDelayMs, 'reversal not acknowledged yet');
  }
  const to = p.reversalReason === 'CANCELLED' ? 'CANCELLED' : 'REVERSED';
  return moved(await d.writer.move(p, to, {}, { actor: ACTOR, reason: p.reversalReason ?? undefined }));
}
