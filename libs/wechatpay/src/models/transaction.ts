import { z } from 'zod';
import { fenSchema } from './money';

export const TRADE_STATES = [
  'SUCCESS',
  'REFUND',
  'NOTPAY',
  'CLOSED',
  'REVOKED',
  'USERPAYING',
  'PAYERROR',
  /** Papay only: deduction accepted, result pending. */
  'ACCEPT',
  /** Papay only: documented on TRANSACTION.FAIL notifications. */
  'PAY_FAIL',
] as const;
export type TradeState = (typeof TRADE_STATES)[number];

export const TRADE_TYPES = ['JSAPI', 'NATIVE', 'APP', 'MICROPAY', 'MWEB', 'FACEPAY', 'PAP'] as const;
export type TradeType = (typeof TRADE_TYPES)[number];

/**
 * The Transaction object of order queries and TRANSACTION.* notifications. Unknown keys are dropped (WeChat adds
 * fields without notice); fields absent on unpaid orders are optional.
 */
export const transactionSchema = z.object({
  appid: z.string(),
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  trade_type: z.enum(TRADE_TYPES).optional(),
  trade_state: z.enum(TRADE_STATES),
  trade_state_desc: z.string().optional(),
  bank_type: z.string().optional(),
  attach: z.string().optional(),
  success_time: z.string().optional(),
  payer: z.object({ openid: z.string().optional() }).optional(),
  amount: z
    .object({
      total: fenSchema.optional(),
      payer_total: fenSchema.optional(),
      currency: z.string().optional(),
      payer_currency: z.string().optional(),
    })
    .optional(),
  /** Papay deductions (trade_type PAP) name their contract. Assumption: field name as in the v3 papay docs. */
  contract_id: z.string().optional(),
  promotion_detail: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type Transaction = z.infer<typeof transactionSchema>;

export const prepayIdSchema = z.object({ prepay_id: z.string().min(1) });
export const codeUrlSchema = z.object({ code_url: z.string().min(1) });
