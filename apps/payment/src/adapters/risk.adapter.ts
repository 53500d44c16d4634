import { Decision, RiskEngineService, sceneFromJSON } from '@wxpay/contracts';
import { type ServiceClient } from '@wxpay/grpc';
import { CounterpartyUnavailableError } from '../ports/port-errors';
import { type RiskPort, type RiskRequest, type RiskVerdict } from '../ports/risk.port';

const DECISIONS = {
  [Decision.APPROVE]: 'APPROVE',
  [Decision.REVIEW]: 'REVIEW',
  [Decision.REJECT]: 'REJECT',
} as const;

/**
 * RiskEngine.Evaluate over the typed client (mutual TLS; the server must be `spiffe://wxpay/risk`). Anything but
 * a decision (deadline passed, engine down, a refusal of the request) is "unavailable": the configured policy
 * decides what the payment does then.
 */
export class RiskAdapter implements RiskPort {
  constructor(private readonly client: ServiceClient<typeof RiskEngineService>) {}

  async evaluate(r: RiskRequest, deadlineMs: number): Promise<RiskVerdict> {
    let res;
    try {
      res = await this.client.evaluate(
        {
          attempt_id: r.attemptId,
          card_token: r.cardToken,
          amount_minor: String(r.amountMinor),
          currency: r.currency,
          merchant_id: r.merchantId,
          mcc: r.mcc,
          scene: sceneFromJSON(r.scene),
          payer_id: r.payerId,
          device_id: r.deviceId,
          ip: r.ip ?? '',
          geo: undefined,
          occurred_at: r.occurredAt.toISOString(),
        },
        { deadlineMs },
      );
    } catch (e) {
      const code = typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : -1;
      throw new CounterpartyUnavailableError('risk', `Evaluate failed (status ${code})`);
    }
    const decision = DECISIONS[res.decision as keyof typeof DECISIONS] as RiskVerdict['decision'] | undefined;
    if (!decision) throw new CounterpartyUnavailableError('risk', 'Evaluate answered without a decision');
    return {
      decisionId: res.decision_id,
      decision,
      score: res.score,
      reasons: res.reasons.map((x) => x.code),
      ruleSetVersion: res.rule_set_version,
    };
  }
}
