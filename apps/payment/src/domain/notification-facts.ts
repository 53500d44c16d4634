import { maskPans } from '@wxpay/card';
import { WechatPayNotificationEventTypes, type WechatPayNotificationEventType } from '@wxpay/contracts';
import { type VerifiedNotification } from '@wxpay/wechatpay';

export type WebhookEndpoint = 'transactions' | 'refunds' | 'papay';

/** What the webhook stores for a verified notification, and later publishes on wechatpay.notifications.v1. */
export interface InboxEntry {
  notificationId: string;
  /** The business fact's identity: a re-delivery, a concurrent copy or a re-send under a new id share it. */
  businessKey: string;
  endpoint: WebhookEndpoint;
  eventType: string;
  /** The topic key: out_trade_no (transactions and refunds), contract_id, or the notification id. */
  aggregateRef: string;
  factType: WechatPayNotificationEventType;
  /** The event payload (camelCase facts, no ciphertext, no card data). */
  facts: Record<string, unknown>;
}

/**
 * `o` without its undefined fields. A plain loop: this runs twice on every notification the webhook answers, and
 * entries → filter → fromEntries cost it about 3 µs each (the webhook's CPU profile, bench/before-after).
 */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in o) {
    const value = o[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * A counterparty's free text (a summary, a state description, the merchant's attach, the refund's receiving
 * account), stored and published as it came but with any card number in it masked: a notification cannot be
 * refused for it, and it must not carry a PAN into our database or Kafka. Ids (long digit runs) are left alone.
 */
function freeText(text: string | undefined): string | undefined {
  return text === undefined ? undefined : maskPans(text);
}

/** Maps a verified, decrypted notification to its inbox entry. `receivedAt` is when our webhook got it. */
export function inboxEntryOf(
  n: VerifiedNotification,
  endpoint: WebhookEndpoint,
  receivedAt: Date,
): InboxEntry {
  const meta = {
    notificationId: n.meta.id,
    wechatEventType: n.eventType,
    createTime: n.meta.createTime,
    ...(n.meta.summary ? { summary: freeText(n.meta.summary.slice(0, 64)) } : {}),
    endpoint,
    verifiedBy: { serial: n.meta.serial, keyKind: n.meta.keyKind },
    receivedAt: receivedAt.toISOString(),
  };
  const base = { notificationId: n.meta.id, endpoint, eventType: n.eventType };
  switch (n.kind) {
    case 'transaction': {
      const t = n.transaction;
      return {
        ...base,
        // The state is part of the fact: a CLOSED or PAYERROR notification for an order is not a copy of its
        // SUCCESS, which must still be stored and applied whichever arrives first (issue #16 item 2).
        businessKey: `${n.eventType}:${t.out_trade_no}:${t.trade_state}`,
        aggregateRef: t.out_trade_no,
        factType: WechatPayNotificationEventTypes.transaction,
        facts: {
          ...meta,
          transaction: defined({
            appid: t.appid,
            mchid: t.mchid,
            outTradeNo: t.out_trade_no,
            transactionId: t.transaction_id,
            tradeType: t.trade_type,
            tradeState: t.trade_state,
            tradeStateDesc: freeText(t.trade_state_desc),
            bankType: t.bank_type,
            attach: freeText(t.attach),
            successTime: t.success_time,
            payerOpenid: t.payer?.openid,
            amount: t.amount
              ? defined({
                  total: t.amount.total,
                  payerTotal: t.amount.payer_total,
                  currency: t.amount.currency,
                  payerCurrency: t.amount.payer_currency,
                })
              : undefined,
            contractId: t.contract_id,
          }),
        },
      };
    }
    case 'refund': {
      const r = n.refund;
      return {
        ...base,
        businessKey: `${n.eventType}:${r.out_refund_no}`,
        aggregateRef: r.out_trade_no,
        factType: WechatPayNotificationEventTypes.refund,
        facts: {
          ...meta,
          refund: defined({
            mchid: r.mchid,
            outTradeNo: r.out_trade_no,
            transactionId: r.transaction_id,
            refundId: r.refund_id,
            outRefundNo: r.out_refund_no,
            refundStatus: r.refund_status,
            successTime: r.success_time,
            userReceivedAccount: freeText(r.user_received_account),
            amount: defined({
              total: r.amount.total,
              refund: r.amount.refund,
              payerTotal: r.amount.payer_total,
              payerRefund: r.amount.payer_refund,
            }),
          }),
        },
      };
    }
    case 'contract': {
      const c = n.contract;
      return {
        ...base,
        businessKey: `${n.eventType}:${c.contract_id}:${c.contract_state}`,
        aggregateRef: c.contract_id,
        factType: WechatPayNotificationEventTypes.contract,
        facts: {
          ...meta,
          contract: defined({
            mchid: c.mchid,
            appid: c.appid,
            contractId: c.contract_id,
            planId: c.plan_id,
            outContractCode: c.out_contract_code,
            contractState: c.contract_state,
            openid: c.openid,
            signedTime: c.contract_signed_time,
            expiredTime: c.contract_expired_time,
            terminationMode: c.contract_terminate_info?.contract_termination_mode,
            terminatedTime: c.contract_terminate_info?.contract_terminated_time,
          }),
        },
      };
    }
    case 'unrecognized': {
      const fields =
        n.resource && typeof n.resource === 'object' ? Object.keys(n.resource as object).slice(0, 100) : [];
      return {
        ...base,
        businessKey: `${n.eventType}:${n.meta.id}`,
        aggregateRef: n.meta.id,
        factType: WechatPayNotificationEventTypes.other,
        facts: { ...meta, originalType: n.meta.originalType, resourceFields: fields },
      };
    }
  }
}
