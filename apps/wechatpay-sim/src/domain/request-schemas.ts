import { z } from 'zod';

/* The simulator's view of WeChat Pay's request bodies: documented required fields and limits; unknown keys are
   ignored, as WeChat does for optional features the simulator does not model. */

const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;

const url = z
  .string()
  .max(256)
  .regex(/^https?:\/\/[^?#\s]+$/, 'must be an http(s) URL without a query string');
/** notify URLs as WeChat takes them (also for the simulator's own bulk seeding). */
export const notifyUrlSchema = url;
const fen = z.number().int().min(1);
const currency = z.literal('CNY').default('CNY');
/** Funding the merchant excludes (orders and papay deductions). */
const limitPay = z.array(z.enum(['no_balance', 'no_credit', 'no_debit', 'balance_only']));

export const orderSchema = z.object({
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127),
  out_trade_no: z.string().regex(OUT_TRADE_NO, 'must be 6–32 of [0-9A-Za-z_-|*]'),
  notify_url: url,
  amount: z.object({ total: fen, currency }),
  attach: z.string().max(128).optional(),
  time_expire: z.iso.datetime({ offset: true }).optional(),
  goods_tag: z.string().max(32).optional(),
  support_fapiao: z.boolean().optional(),
  limit_pay: limitPay.optional(),
  scene_info: z.record(z.string(), z.unknown()).optional(),
});
export type OrderBody = z.infer<typeof orderSchema>;

export const jsapiOrderSchema = orderSchema.extend({
  payer: z.object({
    openid: z.string().min(1).max(128),
    /** RSA-OAEP ciphertexts (real-name check); needs `Wechatpay-Serial`. */
    identity: z
      .object({ type: z.string().min(1), number: z.string().min(1), name: z.string().min(1) })
      .optional(),
  }),
});
export type JsapiOrderBody = z.infer<typeof jsapiOrderSchema>;

export const closeSchema = z.object({ mchid: z.string().min(1) });

export const refundSchema = z
  .object({
    transaction_id: z.string().min(1).optional(),
    out_trade_no: z.string().min(1).optional(),
    out_refund_no: z.string().regex(OUT_REFUND_NO, 'must be 1–64 of [0-9A-Za-z_-|*@]'),
    reason: z.string().max(80).optional(),
    notify_url: url.optional(),
    funds_account: z.enum(['AVAILABLE', 'UNSETTLED']).optional(),
    amount: z.object({ refund: fen, total: fen, currency }),
  })
  .refine((r) => r.transaction_id || r.out_trade_no, {
    message: 'transaction_id or out_trade_no is required',
    path: ['out_trade_no'],
  });
export type RefundBody = z.infer<typeof refundSchema>;

export const preEntrustSignSchema = z.object({
  appid: z.string().min(1),
  plan_id: z.union([z.string().min(1), z.number().int()]).transform(String),
  out_contract_code: z.string().min(1).max(32),
  contract_display_account: z.string().min(1).max(32),
  contract_notify_url: url,
  sign_scene: z
    .enum(['SIGN_SCENE_APP', 'SIGN_SCENE_QRCODE', 'SIGN_SCENE_H5', 'SIGN_SCENE_MINIPROGRAM'])
    .optional(),
  out_user_code: z.string().max(32).optional(),
});
export type PreEntrustSignBody = z.infer<typeof preEntrustSignSchema>;

export const terminateSchema = z.object({
  appid: z.string().min(1),
  contract_termination_remark: z.string().min(1).max(256),
});

export const preDeductionNoticeSchema = z.object({
  mchid: z.string().min(1),
  appid: z.string().min(1),
  deduct_duration: z.object({ count: z.number().int().min(1).max(3), unit: z.literal('DAY') }),
  estimated_amount: z.object({ amount: fen, currency }),
});
export type PreDeductionNoticeBody = z.infer<typeof preDeductionNoticeSchema>;

export const failNoticeSchema = z.object({ mchid: z.string().min(1), appid: z.string().min(1) });

export const scheduleSchema = z.object({
  appid: z.string().min(1),
  schedule_amount: z.object({ total: fen, currency }),
});

export const deductionSchema = z.object({
  appid: z.string().min(1),
  out_trade_no: z.string().regex(OUT_TRADE_NO, 'must be 6–32 of [0-9A-Za-z_-|*]'),
  description: z.string().min(1).max(127),
  transaction_notify_url: url,
  contract_id: z.string().min(1),
  amount: z.object({ total: fen, currency }),
  attach: z.string().max(128).optional(),
  goods_tag: z.string().max(32).optional(),
  limit_pay: limitPay.optional(),
});
export type DeductionBody = z.infer<typeof deductionSchema>;
