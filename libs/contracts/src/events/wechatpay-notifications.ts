import { z } from 'zod';

/**
 * Facts on `wechatpay.notifications.v1`: WeChat Pay notifications after their signature, timestamp window and
 * AES-GCM tag were checked, published by the payment service once per business key (a notification WeChat Pay
 * re-delivers, or sends again under a new id, is published once). Never ciphertext, never a card number.
 * Key (aggregate id): `out_trade_no` for transactions and refunds (one order's facts stay in order), `contract_id`
 * for papay contracts, the notification id otherwise. Field names are camelCase; amounts are integer fen.
 */
export const WechatPayNotificationEventTypes = {
  transaction: 'WechatPayTransactionNotified',
  refund: 'WechatPayRefundNotified',
  contract: 'WechatPayContractNotified',
  /** An event type the gateway does not model; only its envelope facts are published. */
  other: 'WechatPayNotificationReceived',
} as const;

export type WechatPayNotificationEventType =
  (typeof WechatPayNotificationEventTypes)[keyof typeof WechatPayNotificationEventTypes];

/** Which webhook received it: payments, refunds, or papay (contracts and contract deductions). */
export const webhookEndpointSchema = z.enum(['transactions', 'refunds', 'papay']);

const fen = z.number().int().min(0).refine(Number.isSafeInteger, 'must be a safe integer');

const notificationMetaSchema = z.object({
  notificationId: z.string().min(1).max(64),
  /** TRANSACTION.SUCCESS, REFUND.SUCCESS, ENTRUST.SIGN, … as WeChat Pay sent it. */
  wechatEventType: z.string().min(1).max(64),
  createTime: z.string().max(40),
  summary: z.string().max(64).optional(),
  endpoint: webhookEndpointSchema,
  /** The `Wechatpay-Serial` whose key verified the signature, and its kind. */
  verifiedBy: z.object({
    serial: z.string().min(1).max(64),
    keyKind: z.enum(['platform-certificate', 'public-key']),
  }),
  receivedAt: z.iso.datetime({ offset: false }),
});

export const wechatPayTransactionNotifiedSchema = notificationMetaSchema.extend({
  transaction: z.object({
    appid: z.string(),
    mchid: z.string(),
    outTradeNo: z.string().min(1).max(32),
    transactionId: z.string().optional(),
    tradeType: z.string().optional(),
    tradeState: z.string(),
    tradeStateDesc: z.string().optional(),
    bankType: z.string().optional(),
    attach: z.string().optional(),
    successTime: z.string().optional(),
    payerOpenid: z.string().optional(),
    amount: z
      .object({
        total: fen.optional(),
        payerTotal: fen.optional(),
        currency: z.string().optional(),
        payerCurrency: z.string().optional(),
      })
      .optional(),
    /** Papay deductions (trade type PAP). */
    contractId: z.string().optional(),
  }),
});

export const wechatPayRefundNotifiedSchema = notificationMetaSchema.extend({
  refund: z.object({
    mchid: z.string(),
    outTradeNo: z.string().min(1).max(32),
    transactionId: z.string(),
    refundId: z.string(),
    outRefundNo: z.string().min(1).max(64),
    refundStatus: z.enum(['SUCCESS', 'CLOSED', 'ABNORMAL']),
    successTime: z.string().optional(),
    /** As WeChat Pay masks it, e.g. "招商银行信用卡0403". */
    userReceivedAccount: z.string().optional(),
    amount: z.object({
      total: fen,
      refund: fen,
      payerTotal: fen.optional(),
      payerRefund: fen.optional(),
    }),
  }),
});

export const wechatPayContractNotifiedSchema = notificationMetaSchema.extend({
  contract: z.object({
    mchid: z.string(),
    appid: z.string(),
    contractId: z.string().min(1),
    planId: z.string(),
    outContractCode: z.string(),
    contractState: z.string(),
    openid: z.string().optional(),
    signedTime: z.string().optional(),
    expiredTime: z.string().optional(),
    terminationMode: z.string().optional(),
    terminatedTime: z.string().optional(),
  }),
});

/** Unmodelled event types: the verified envelope facts and the resource's top-level field names only. */
export const wechatPayNotificationReceivedSchema = notificationMetaSchema.extend({
  originalType: z.string().optional(),
  resourceFields: z.array(z.string()).max(100),
});

export type WechatPayTransactionNotified = z.infer<typeof wechatPayTransactionNotifiedSchema>;
export type WechatPayRefundNotified = z.infer<typeof wechatPayRefundNotifiedSchema>;
export type WechatPayContractNotified = z.infer<typeof wechatPayContractNotifiedSchema>;
export type WechatPayNotificationReceived = z.infer<typeof wechatPayNotificationReceivedSchema>;

export const wechatPayNotificationPayloadSchemas = {
  WechatPayTransactionNotified: wechatPayTransactionNotifiedSchema,
  WechatPayRefundNotified: wechatPayRefundNotifiedSchema,
  WechatPayContractNotified: wechatPayContractNotifiedSchema,
  WechatPayNotificationReceived: wechatPayNotificationReceivedSchema,
} as const satisfies Record<WechatPayNotificationEventType, z.ZodType>;
