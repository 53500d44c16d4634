import { type Client } from '@grpc/grpc-js';
import { unaryCall } from '@wxpay/grpc';
import { CounterpartyUnavailableError } from '../ports/port-errors';
import { type RiskPort, type RiskRequest, type RiskVerdict } from '../ports/risk.port';

interface EvaluateResponse {
  decision_id: string;
  decision: string;
  score: number;
  reasons: { code: string }[];
  rule_set_version: string;
}

const DECISIONS = ['APPROVE', 'REVIEW', 'REJECT'] as const;

/**
 * RiskEngine.Evaluate over mutual-TLS gRPC. Anything but a decision (deadline passed, engine down, a refusal of
 * the request) is "unavailable": the configured policy decides what the payment does then.
 */
export class RiskGrpcAdapter implements RiskPort {
  constructor(private readonly client: Client) {}

  async evaluate(r: RiskRequest, deadlineMs: number): Promise<RiskVerdict> {
    let res: EvaluateResponse;
    try {
      res = await unaryCall<EvaluateResponse>(
        this.client,
        'Evaluate',
        {
          attempt_id: r.attemptId,
          card_token: r.cardToken,
          amount_minor: String(r.amountMinor),
          currency: r.currency,
          merchant_id: r.merchantId,
          mcc: r.mcc,
          scene: r.scene,
          payer_id: r.payerId,
          device_id: r.deviceId,
          ip: r.ip ?? '',
          occurred_at: r.occurredAt.toISOString(),
        },
        { deadlineMs },
      );
    } catch (e) {
      const code = typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : -1;
      throw new CounterpartyUnavailableError('risk', `Evaluate failed (status ${code})`);
    }
    const decision = DECISIONS.find((d) => d === res.decision);
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
