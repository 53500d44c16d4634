import { type Payment } from '../../../domain/payment';
import { type PaymentStatus } from '../../../domain/payment-status';
import { type PaymentChanges } from '../../../persistence/payment.repository';
import { CounterpartyUnavailableError } from '../../../ports/port-errors';
import { type LifecycleDeps } from '../lifecycle-deps';
import { moved, type StepResult } from '../step-result';
import { authorizeAfter } from './authorize.step';

const ACTOR = 'risk-step';

/**
 * CREATED → RISK_APPROVED | RISK_REVIEW | FAILED, asking the risk engine within its deadline. An approval goes
 * straight on to the authorisation: its transition is committed together with AUTHORIZING.
 */
export async function riskStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  if (p.cancelRequested) {
    return moved(await d.writer.move(p, 'CANCELLED', { reversalReason: 'CANCELLED' }, { actor: ACTOR }));
  }
  let to: PaymentStatus;
  let decided: PaymentChanges;
  let reason: string | undefined;
  try {
    const verdict = await d.risk.evaluate(
      {
        attemptId: p.id,
        cardToken: p.cardToken,
        amountMinor: p.amountMinor,
        currency: p.currency,
        merchantId: p.merchantId,
        mcc: p.mcc,
        scene: p.scene,
        payerId: p.payerOpenid ?? '',
        deviceId: p.deviceId ?? '',
        ip: p.payerIp ?? undefined,
        occurredAt: p.createdAt,
      },
      d.settings.riskDeadlineMs,
    );
    d.metrics.counterpartyCalls.inc({ counterparty: 'risk', call: 'evaluate', outcome: verdict.decision });
    decided = {
      riskDecision: verdict.decision,
      riskDecisionId: verdict.decisionId,
      riskReasons: verdict.reasons,
    };
    if (verdict.decision === 'REJECT') {
      return moved(
        await d.writer.move(
          p,
          'FAILED',
          {
            ...decided,
            failureCode: 'RISK_REJECTED',
            failureMessage: 'refused by risk',
            failureReasons: verdict.reasons,
          },
          { actor: ACTOR, reason: verdict.reasons.join(',') || 'REJECT' },
        ),
      );
    }
    to = verdict.decision === 'REVIEW' ? 'RISK_REVIEW' : 'RISK_APPROVED';
  } catch (e) {
    if (!(e instanceof CounterpartyUnavailableError)) throw e;
    d.metrics.counterpartyCalls.inc({ counterparty: 'risk', call: 'evaluate', outcome: 'unavailable' });
    if (d.settings.riskUnavailablePolicy !== 'fail-open-review') {
      return moved(
        await d.writer.move(
          p,
          'FAILED',
          {
            riskDecision: 'UNAVAILABLE',
            failureCode: 'RISK_UNAVAILABLE',
            failureMessage: 'the risk engine did not answer',
          },
          { actor: ACTOR, reason: 'RISK_UNAVAILABLE' },
        ),
      );
    }
    // Recorded as unreviewed: the payment continues and the decision is left for the review queue.
    to = 'RISK_REVIEW';
    decided = { riskDecision: 'UNAVAILABLE' };
    reason = 'RISK_UNAVAILABLE';
  }
  return authorizeAfter(d, p, [to, decided, { actor: ACTOR, reason }]);
}
