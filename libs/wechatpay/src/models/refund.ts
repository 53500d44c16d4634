import { z } from 'zod';
import { fenSchema } from './money';

export const REFUND_STATUSES = ['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** The Refund object answered by create and query (`status`). */
export const refundSchema = z.object({
  refund_id: z.string(),
  out_refund_no: z.string(),
  transaction_id: z.string(),
  out_trade_no: z.string(),
  channel: z.string().optional(),
  user_received_account: z.string().optional(),
  success_time: z.string().optional(),
  create_time: z.string().optional(),
  status: z.enum(REFUND_STATUSES),
  funds_account: z.string().optional(),
  amount: z.object({
    total: fenSchema,
    refund: fenSchema,
    payer_total: fenSchema.optional(),
    payer_refund: fenSchema.optional(),
    settlement_refund: fenSchema.optional(),
    settlement_total: fenSchema.optional(),
    discount_refund: fenSchema.optional(),
    currency: z.string().optional(),
    refund_fee: fenSchema.optional(),
  }),
});
export type Refund = z.infer<typeof refundSchema>;

/** The decrypted resource of REFUND.* notifications: same facts, but the status field is `refund_status`. */
export const refundNoticeSchema = z.object({
  mchid: z.string(),
  transaction_id: z.string(),
  out_trade_no: z.string(),
  refund_id: z.string(),
  out_refund_no: z.string(),
  refund_status: z.enum(['SUCCESS', 'CLOSED', 'ABNORMAL']),
  success_time: z.string().optional(),
  user_received_account: z.string().optional(),
  amount: z.object({
    total: fenSchema,
    refund: fenSchema,
    payer_total: fenSchema.optional(),
    payer_refund: fenSchema.optional(),
  }),
});
export type RefundNotice = z.infer<typeof refundNoticeSchema>;
