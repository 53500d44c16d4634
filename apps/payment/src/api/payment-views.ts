import {
  breakKindFromJSON,
  paymentStatusFromJSON,
  refundStatusFromJSON,
  sceneFromJSON,
  tradeTypeFromJSON,
  type CheckLedgerResponse,
  type Money,
  type Payment as PaymentMessage,
  type ReconciliationBreak as BreakMessage,
  type ReconciliationReport as ReportMessage,
  type Refund as RefundMessage,
} from '@wxpay/contracts';
import { type Payment, type Refund } from '../domain/payment';
import { type ReconciliationBreak, type ReconciliationReport } from '../domain/reconciliation';
import { type UnbalancedTransaction } from '../persistence/ledger.repository';

/*
 * The complete response messages (gateway.payment.v1) built from the domain: every field set, absent messages
 * left undefined. A mutating call's message is also its stored idempotent answer (JSON), so a replay is the same
 * message.
 */

const money = (minor: number, currency: string): Money => ({ amount_minor: String(minor), currency });

export function refundView(r: Refund): RefundMessage {
  return {
    refund_id: r.id,
    out_refund_no: r.outRefundNo,
    status: refundStatusFromJSON(r.status),
    amount: money(r.amountMinor, r.currency),
    reason: r.reason ?? '',
    failure_code: r.failureCode ?? '',
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export function paymentView(p: Payment, refunds: readonly Refund[] = []): PaymentMessage {
  const a = p.payerAction;
  return {
    payment_id: p.id,
    out_trade_no: p.outTradeNo,
    status: paymentStatusFromJSON(p.status),
    amount: money(p.amountMinor, p.currency),
    card_token: p.cardToken,
    merchant_id: p.merchantId,
    mcc: p.mcc,
    scene: sceneFromJSON(p.scene),
    trade_type: tradeTypeFromJSON(p.tradeType),
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
            : undefined,
          code_url: a.codeUrl ?? '',
          expires_at: a.expiresAt,
        }
      : undefined,
    failure: p.failureCode
      ? { code: p.failureCode, message: p.failureMessage ?? '', reasons: p.failureReasons }
      : undefined,
    risk_decision: p.riskDecision ?? '',
    risk_decision_id: p.riskDecisionId ?? '',
    wechat_transaction_id: p.wechatTransactionId ?? '',
    captured: money(p.capturedMinor, p.currency),
    refunded: money(p.refundedMinor, p.currency),
    refunds: refunds.map(refundView),
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

export function reportView(r: ReconciliationReport): ReportMessage {
  return {
    run_id: r.runId,
    business_date: r.businessDate,
    ledger_items: r.ledgerItems,
    unionpay_items: r.unionpayItems,
    wechatpay_items: r.wechatpayItems,
    matched: r.matched,
    breaks: r.breaks.map((b) => breakView({ ...b, businessDate: r.businessDate })),
    finished_at: r.finishedAt.toISOString(),
  };
}

export function breakView(b: ReconciliationBreak): BreakMessage {
  return {
    kind: breakKindFromJSON(b.kind),
    source: b.source,
    reference: b.reference,
    detail: b.detail,
    ledger_minor: String(b.ledgerMinor ?? 0),
    counterparty_minor: String(b.counterpartyMinor ?? 0),
    break_id: b.id ?? '',
    business_date: b.businessDate ?? '',
    resolution: b.resolution && {
      operator: b.resolution.operator,
      note: b.resolution.note,
      resolved_at: b.resolution.resolvedAt.toISOString(),
    },
  };
}

export function ledgerCheckView(
  counts: { transactions: number; entries: number },
  unbalanced: readonly UnbalancedTransaction[],
): CheckLedgerResponse {
  return {
    transactions: String(counts.transactions),
    entries: String(counts.entries),
    unbalanced: unbalanced.map((u) => ({
      transaction_id: u.transactionId,
      currency: u.currency ?? '',
      imbalance_minor: String(u.imbalanceMinor),
    })),
  };
}
