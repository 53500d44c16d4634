import { z } from 'zod';

/**
 * Payloads of `payments.lifecycle.v1` as far as the consumers written so far rely on them (the risk engine's
 * velocity windows and monitoring). The payment service owns this topic and may add fields; consumers must keep
 * accepting unknown ones. The event time is the envelope's `occurredAt` (the business instant), not a payload field.
 */
export const PaymentEventTypes = {
  authorized: 'PaymentAuthorized',
  captured: 'PaymentCaptured',
  failed: 'PaymentFailed',
  reversed: 'PaymentReversed',
  refunded: 'PaymentRefunded',
} as const;

export type PaymentEventType = (typeof PaymentEventTypes)[keyof typeof PaymentEventTypes];

export const paymentSceneSchema = z.enum(['ONLINE', 'OFFLINE_QR', 'CROSS_BORDER']);

export const paymentMoneySchema = z.object({
  minor: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
});

export const paymentGeoSchema = z.object({
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be ISO 3166-1 alpha-2')
    .optional(),
  city: z.string().max(64).optional(),
});

const paymentFactSchema = z.object({
  paymentId: z.string().min(1).max(128),
  cardToken: z.string().min(1).max(128),
  /** Positive; for PaymentRefunded the refunded amount, for PaymentReversed the released hold. */
  amount: paymentMoneySchema.refine((m) => m.minor > 0, 'amount must be positive'),
  merchantId: z.string().min(1).max(64),
  mcc: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
  scene: paymentSceneSchema.optional(),
  payerId: z.string().max(128).optional(),
  deviceId: z.string().max(128).optional(),
  ip: z.string().max(45).optional(),
  geo: paymentGeoSchema.optional(),
  /** The risk decision the payment was authorised under, when there was one. */
  riskDecisionId: z.string().max(64).optional(),
});

export const paymentAuthorizedSchema = paymentFactSchema;
export const paymentCapturedSchema = paymentFactSchema;
export const paymentFailedSchema = paymentFactSchema.extend({
  /** The channel's or issuer's decline code (e.g. "51" insufficient funds); never card data. */
  reasonCode: z.string().max(32).optional(),
});
export const paymentReversedSchema = paymentFactSchema;
export const paymentRefundedSchema = paymentFactSchema.extend({ refundId: z.string().min(1).max(128) });

export type PaymentFact = z.infer<typeof paymentFactSchema>;
export type PaymentFailed = z.infer<typeof paymentFailedSchema>;
export type PaymentRefunded = z.infer<typeof paymentRefundedSchema>;

export const paymentPayloadSchemas = {
  PaymentAuthorized: paymentAuthorizedSchema,
  PaymentCaptured: paymentCapturedSchema,
  PaymentFailed: paymentFailedSchema,
  PaymentReversed: paymentReversedSchema,
  PaymentRefunded: paymentRefundedSchema,
} as const satisfies Record<PaymentEventType, z.ZodType>;

// --- Added by the payment service (additive: new event types and their payloads; the types above are unchanged).

/**
 * The other events on `payments.lifecycle.v1`. Every state transition of a payment writes one event in the same
 * transaction: the facts above where they apply, PaymentStatusChanged for the intermediate steps. Refund requests
 * and refund failures have their own types (PaymentRefunded stays the refund's success).
 */
export const PaymentLifecycleEventTypes = {
  ...PaymentEventTypes,
  created: 'PaymentCreated',
  statusChanged: 'PaymentStatusChanged',
  refundRequested: 'PaymentRefundRequested',
  refundFailed: 'PaymentRefundFailed',
} as const;

export type PaymentLifecycleEventType =
  (typeof PaymentLifecycleEventTypes)[keyof typeof PaymentLifecycleEventTypes];

export const paymentStatusSchema = z.enum([
  'CREATED',
  'RISK_APPROVED',
  'RISK_REVIEW',
  'AUTHORIZING',
  'AUTH_UNKNOWN',
  'AUTHORIZED',
  'ORDERING',
  'ORDER_UNKNOWN',
  'AWAITING_PAYER',
  'PAYER_PAID',
  'CAPTURED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'CLOSING',
  'REVERSING',
  'REVERSED',
  'CANCELLED',
  'FAILED',
  'CAPTURE_FAILED',
]);
export type PaymentStatusName = z.infer<typeof paymentStatusSchema>;

export const paymentCreatedSchema = paymentFactSchema.extend({ outTradeNo: z.string().min(1).max(32) });
export const paymentStatusChangedSchema = paymentFactSchema.extend({
  from: paymentStatusSchema,
  to: paymentStatusSchema,
  reasonCode: z.string().max(64).optional(),
});
export const paymentRefundRequestedSchema = paymentFactSchema.extend({
  refundId: z.string().min(1).max(128),
});
export const paymentRefundFailedSchema = paymentFactSchema.extend({
  refundId: z.string().min(1).max(128),
  reasonCode: z.string().max(64).optional(),
});

export type PaymentStatusChanged = z.infer<typeof paymentStatusChangedSchema>;

export const paymentLifecyclePayloadSchemas = {
  ...paymentPayloadSchemas,
  PaymentCreated: paymentCreatedSchema,
  PaymentStatusChanged: paymentStatusChangedSchema,
  PaymentRefundRequested: paymentRefundRequestedSchema,
  PaymentRefundFailed: paymentRefundFailedSchema,
} as const satisfies Record<PaymentLifecycleEventType, z.ZodType>;
