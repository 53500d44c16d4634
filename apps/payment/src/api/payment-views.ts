import { type Payment, type Refund } from '../domain/payment';

/**
 * The proto-shaped answer (gateway.payment.v1.Payment), built once and stored as the idempotent answer, so a
 * replay is the same object. int64 amounts are strings, as the loader hands them out.
 */
export type PaymentMessage = Record<string, unknown>;

const money = (minor: number, currency: string) => ({ amount_minor: String(minor), currency });

export function refundMessage(r: Refund): Record<string, unknown> {
  return {
    refund_id: r.id,
    out_refund_no: r.outRefundNo,
    status: r.status,
    amount: money(r.amountMinor, r.currency),
    reason: r.reason ?? '',
    failure_code: r.failureCode ?? '',
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export function paymentMessage(p: Payment, refunds: readonly Refund[] = []): PaymentMessage {
  const a = p.payerAction;
  return {
    payment_id: p.id,
    out_trade_no: p.outTradeNo,
    status: p.status,
    amount: money(p.amountMinor, p.currency),
    card_token: p.cardToken,
    merchant_id: p.merchantId,
    mcc: p.mcc,
    scene: p.scene,
    trade_type: p.tradeType,
    payer_action: a
      ? {
          prepay_id: a.prepayId ?? '',
          jsapi: a.jsapi
            ? {
                app_id: a.jsapi.appId,
                time_stamp: a.jsapi.timeStamp,
                nonce_str: a.jsapi.nonceStr,
                package: a.jsapi.package,
                sign_type: a.jsapi.signType,
                pay_sign: a.jsapi.paySign,
              }
            : null,
          code_url: a.codeUrl ?? '',
          expires_at: a.expiresAt,
        }
      : null,
    failure: p.failureCode
      ? { code: p.failureCode, message: p.failureMessage ?? '', reasons: p.failureReasons }
      : null,
    risk_decision: p.riskDecision ?? '',
    risk_decision_id: p.riskDecisionId ?? '',
    wechat_transaction_id: p.wechatTransactionId ?? '',
    captured: money(p.capturedMinor, p.currency),
    refunded: money(p.refundedMinor, p.currency),
    refunds: refunds.map(refundMessage),
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
