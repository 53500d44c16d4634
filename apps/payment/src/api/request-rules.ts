import {
  PaymentStatus,
  Scene,
  TradeType,
  type CancelPaymentRequest,
  type CreatePaymentRequest,
  type Device,
  type GetPaymentRequest,
  type ListPaymentsRequest,
  type ListReconciliationBreaksRequest,
  type Money,
  type Payer,
  type RefundPaymentRequest,
  type ResolveReconciliationBreakRequest,
  type RetryCaptureRequest,
  type RunReconciliationRequest,
} from '@wxpay/contracts';
import { rules, type RequestRules } from '@wxpay/grpc';

/*
 * The field rules of the Payments requests (INVALID_ARGUMENT naming the field, nothing changed, the value never
 * echoed). Cross-field rules (JSAPI needs payer.openid; payment_id or out_trade_no) are the use cases'. The
 * idempotency key is checked by @Idempotent. WeChat Pay carries only 1–3 byte UTF-8 characters: text that reaches
 * it (description, refund reason, ids) refuses the others.
 */

const paymentId = rules.uuid('a payment id (UUID)');

/** WeChat Pay's domestic orders are CNY. */
const cnyAmount = rules.message<Money>({ amount_minor: rules.minorUnits(), currency: rules.currency('CNY') });

export const CREATE_PAYMENT: RequestRules<CreatePaymentRequest> = {
  card_token: rules.cardToken(),
  amount: cnyAmount,
  // The acquirer's merchant number (issued by the bank, 15 digits at UnionPay): one in ten reads as a card number.
  merchant_id: rules.text({
    min: 1,
    max: 64,
    pattern: /^[0-9A-Za-z_-]+$/,
    allowed: 'letters, digits, _ and -',
    issuedId: true,
  }),
  mcc: rules.text({ min: 4, max: 4, pattern: /^\d{4}$/, allowed: 'digits' }),
  scene: rules.enumValue(Scene),
  trade_type: rules.enumValue(TradeType),
  payer: rules.message<Payer>(
    { openid: rules.text({ max: 128, bmpOnly: true }), ip: rules.ipAddress({ optional: true }) },
    { required: false },
  ),
  device: rules.message<Device>({ device_id: rules.text({ max: 128, bmpOnly: true }) }, { required: false }),
  description: rules.text({ min: 1, max: 127, bmpOnly: true }),
};

export const GET_PAYMENT: RequestRules<GetPaymentRequest> = {
  payment_id: rules.uuid('a payment id (UUID)', { optional: true }),
  // Optional (GetPayment takes payment_id or out_trade_no), 6–32 characters when given; ours (the payment id's hex).
  out_trade_no: rules
    .text({ max: 32, issuedId: true })
    .refine((v) => v === '' || v.length >= 6, { error: 'must be 6–32 characters' }),
};

export const LIST_PAYMENTS: RequestRules<ListPaymentsRequest> = {
  merchant_id: rules.text({ max: 64, bmpOnly: true, issuedId: true }),
  card_token: rules.cardToken({ optional: true }),
  status: rules.enumValue(PaymentStatus, { optional: true }),
  limit: rules.intRange(1, 200, { unsetAllowed: true }),
};

export const REFUND_PAYMENT: RequestRules<RefundPaymentRequest> = {
  payment_id: paymentId,
  amount: cnyAmount,
  reason: rules.text({ max: 80, bmpOnly: true }),
};

export const CANCEL_PAYMENT: RequestRules<CancelPaymentRequest> = {
  payment_id: paymentId,
  reason: rules.text({ max: 256, bmpOnly: true }),
};

export const RUN_RECONCILIATION: RequestRules<RunReconciliationRequest> = {
  business_date: rules.isoDate({ optional: true }),
};

export const RETRY_CAPTURE: RequestRules<RetryCaptureRequest> = {
  payment_id: paymentId,
  operator: rules.operator(),
  reason: rules.text({ min: 1, max: 256, bmpOnly: true }),
};

export const RESOLVE_RECONCILIATION_BREAK: RequestRules<ResolveReconciliationBreakRequest> = {
  break_id: rules.text({ min: 1, max: 19, pattern: /^[1-9]\d*$/, allowed: 'digits' }),
  operator: rules.operator(),
  note: rules.text({ min: 1, max: 512, bmpOnly: true }),
};

export const LIST_RECONCILIATION_BREAKS: RequestRules<ListReconciliationBreaksRequest> = {
  business_date: rules.isoDate({ optional: true }),
  limit: rules.intRange(1, 200, { unsetAllowed: true }),
};
