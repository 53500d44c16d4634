/** What a velocity window counts. Each entry carries a count (±1) and an amount in CNY fen. */
export const WindowKind = {
  ATTEMPT: 0,
  DECLINE: 1,
  AUTH: 2,
  CAPTURE: 3,
  REFUND: 4,
} as const;
export type WindowKind = (typeof WindowKind)[keyof typeof WindowKind];
export const KIND_COUNT = 5;

export type WindowField = 'count' | 'amount';

export type WindowEntity = 'card' | 'device' | 'ip' | 'merchant';
export const WINDOW_ENTITIES: readonly WindowEntity[] = ['card', 'device', 'ip', 'merchant'];

/** Metric names of the rule language → (kind, field). */
export const WINDOW_METRICS = {
  attempts: { kind: WindowKind.ATTEMPT, field: 'count' },
  attempt_amount: { kind: WindowKind.ATTEMPT, field: 'amount' },
  declines: { kind: WindowKind.DECLINE, field: 'count' },
  decline_amount: { kind: WindowKind.DECLINE, field: 'amount' },
  authorizations: { kind: WindowKind.AUTH, field: 'count' },
  authorized_amount: { kind: WindowKind.AUTH, field: 'amount' },
  captures: { kind: WindowKind.CAPTURE, field: 'count' },
  captured_amount: { kind: WindowKind.CAPTURE, field: 'amount' },
  refunds: { kind: WindowKind.REFUND, field: 'count' },
  refund_amount: { kind: WindowKind.REFUND, field: 'amount' },
} as const satisfies Record<string, { kind: WindowKind; field: WindowField }>;
export type WindowMetric = keyof typeof WINDOW_METRICS;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** The longest window any rule may read; state older than this is dropped. */
export const HORIZON_MS = 24 * HOUR_MS;
