import { RiskEventTypes, type EventEnvelope, type RiskDecisionMade } from '@wxpay/contracts';
import { type Verdict } from '../rules/compiled-rule-set';
import { type DecisionRecord } from './decision-record';

function shadowOf(v: Verdict): NonNullable<RiskDecisionMade['shadow']> {
  return { ruleSetVersion: v.ruleSetVersion, decision: v.decision, score: v.score, reasons: v.reasons };
}

/** The RiskDecisionMade envelope of a decision; its id is the decision id, so it is published once whatever happens. */
export function decisionEnvelope(d: DecisionRecord): EventEnvelope<RiskDecisionMade> {
  const a = d.attempt;
  const payload: RiskDecisionMade = {
    decisionId: d.decisionId,
    attemptId: a.attemptId,
    cardToken: a.cardToken,
    amount: { minor: a.amountMinor, currency: a.currency },
    merchantId: a.merchantId,
    mcc: a.mcc,
    scene: a.scene,
    decision: d.live.decision,
    score: d.live.score,
    reasons: d.live.reasons,
    ruleSetVersion: d.live.ruleSetVersion,
    shadow: d.shadow ? shadowOf(d.shadow) : undefined,
    evaluatedAt: new Date(d.evaluatedAt).toISOString(),
  };
  return {
    id: d.decisionId,
    type: RiskEventTypes.decisionMade,
    version: 1,
    occurredAt: payload.evaluatedAt,
    aggregateId: a.attemptId ?? d.decisionId,
    traceId: a.attemptId ?? d.decisionId,
    payload,
  };
}
