import { type Payment } from '../../../domain/payment';
import { capturePosting } from '../../../domain/ledger-accounts';
import { type ChannelAck } from '../../../ports/channel.port';
import { type LifecycleDeps } from '../lifecycle-deps';
import { moved, retryLater, type StepResult } from '../step-result';
import { holdOf } from './hold-of';

const ACTOR = 'capture-step';

/**
 * PAYER_PAID → CAPTURED: completes the hold on the channel (idempotent per payment there, so a completion whose
 * answer was lost is simply asked again), then books the capture in the ledger with PaymentCaptured.
 */
export async function captureStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  let ack: ChannelAck;
  try {
    ack = await d.channel.complete(holdOf(p));
  } catch (e) {
    d.logger.warn({ paymentId: p.id, error: e instanceof Error ? e.name : 'unknown' }, 'completion not sent');
    ack = { outcome: 'UNKNOWN' };
  }
  d.metrics.counterpartyCalls.inc({ counterparty: 'unionpay', call: 'complete', outcome: ack.outcome });
  if (ack.outcome === 'UNKNOWN') return retryLater(d.settings.retryDelayMs, 'completion not acknowledged');
  if (ack.outcome === 'DECLINED') {
    d.metrics.alerts.inc({ kind: 'capture_declined' });
    d.logger.error({ paymentId: p.id, responseCode: ack.responseCode }, 'the channel refused a paid capture');
    return moved(
      await d.writer.move(
        p,
        'CAPTURE_FAILED',
        {
          failureCode: 'CAPTURE_DECLINED',
          failureMessage: 'paid at WeChat Pay but the card network refused the completion',
          failureReasons: [ack.responseCode],
        },
        { actor: ACTOR, reason: ack.responseCode },
      ),
    );
  }
  return moved(
    await d.writer.move(
      p,
      'CAPTURED',
      { capturedMinor: p.amountMinor },
      { actor: ACTOR, postings: [capturePosting(p.id, p, p.amountMinor)] },
    ),
  );
}
