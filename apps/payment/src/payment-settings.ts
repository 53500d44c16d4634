import { type PaymentConfig, type RiskUnavailablePolicy } from './config';

/** The lifecycle's tunables, one object for the whole service (tests change them while it runs). */
export const PAYMENT_SETTINGS = Symbol('PAYMENT_SETTINGS');

export interface PaymentSettings {
  riskDeadlineMs: number;
  riskUnavailablePolicy: RiskUnavailablePolicy;
  orderTtlSeconds: number;
  /** How long a payment waits for its payer before the order is queried. */
  awaitingPollMs: number;
  /** How long one actor may drive a payment (or hold an idempotency key) before another may take over. */
  leaseMs: number;
  /** Delay before asking a counterparty again after it did not answer. */
  retryDelayMs: number;
}

export function paymentSettingsOf(config: PaymentConfig): PaymentSettings {
  return {
    riskDeadlineMs: config.RISK_DEADLINE_MS,
    riskUnavailablePolicy: config.RISK_UNAVAILABLE_POLICY,
    orderTtlSeconds: config.PAYMENT_ORDER_TTL_SECONDS,
    awaitingPollMs: config.PAYMENT_AWAITING_POLL_MS,
    leaseMs: config.PAYMENT_LEASE_MS,
    retryDelayMs: Math.max(200, config.PAYMENT_JANITOR_INTERVAL_MS),
  };
}
