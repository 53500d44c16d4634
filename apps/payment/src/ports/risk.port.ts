import { type Scene } from '../domain/payment';

export interface RiskRequest {
  /** The payment id: a retry with the same id is answered the same and counted once. */
  attemptId: string;
  cardToken: string;
  amountMinor: number;
  currency: string;
  merchantId: string;
  mcc: string;
  scene: Scene;
  payerId: string;
  deviceId: string;
  ip?: string;
  occurredAt: Date;
}

export interface RiskVerdict {
  decisionId: string;
  decision: 'APPROVE' | 'REVIEW' | 'REJECT';
  score: number;
  /** Reason codes, e.g. VELOCITY_CARD_1H. */
  reasons: string[];
  ruleSetVersion: string;
}

/** The risk engine, asked synchronously with a tight deadline. Throws CounterpartyUnavailableError. */
export interface RiskPort {
  evaluate(request: RiskRequest, deadlineMs: number): Promise<RiskVerdict>;
}

export const RISK_PORT = Symbol('RISK_PORT');
