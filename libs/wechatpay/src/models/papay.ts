import { z } from 'zod';
import { fenSchema } from './money';

/*
 * APIv3 papay ("scheduled deduction", sheet §6.2) plus the v3 pre-deduction notice (§6.1). Field names follow the
 * fact sheet; where it is silent the shapes are our assumption and say so.
 */

export const CONTRACT_STATES = [
  'SIGNED',
  'TERMINATED',
  'SIGN_FAILED',
  'TO_BE_RENEWED',
  'TERMINATE_PENDING',
] as const;
export type ContractState = (typeof CONTRACT_STATES)[number];

export const SCHEDULE_STATES = ['NO_SCHEDULED', 'SCHEDULED', 'PAID', 'EXPIRED'] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];

export const papayContractSchema = z.object({
  mchid: z.string(),
  appid: z.string(),
  contract_id: z.string(),
  plan_id: z.union([z.string(), z.number().int()]).transform(String),
  out_contract_code: z.string(),
  contract_display_account: z.string().optional(),
  contract_state: z.enum(CONTRACT_STATES),
  contract_signed_time: z.string().optional(),
  contract_expired_time: z.string().optional(),
  openid: z.string().optional(),
  contract_terminate_info: z
    .object({
      contract_termination_mode: z.string(),
      contract_terminated_time: z.string().optional(),
      contract_termination_remark: z.string().optional(),
    })
    .optional(),
  deduct_schedule: z
    .object({
      estimated_deduct_date: z.string().optional(),
      estimated_deduct_amount: z.object({ total: fenSchema, currency: z.string() }).optional(),
      schedule_state: z.enum(SCHEDULE_STATES).optional(),
      scheduled_amount: z.object({ total: fenSchema, currency: z.string() }).optional(),
      deduct_amount: z.object({ total: fenSchema, currency: z.string() }).optional(),
      deduct_date: z.string().optional(),
    })
    .optional(),
});
export type PapayContract = z.infer<typeof papayContractSchema>;

/** Assumption: the pre-sign answer carries `pre_entrustweb_id`, plus `code_url` for the QR-code scene. */
export const preEntrustSignResultSchema = z.object({
  pre_entrustweb_id: z.string().min(1),
  code_url: z.string().optional(),
});
export type PreEntrustSignResult = z.infer<typeof preEntrustSignResultSchema>;

/** Assumption: schedule create and query answer the same object. */
export const deductScheduleSchema = z.object({
  contract_id: z.string(),
  schedule_state: z.enum(SCHEDULE_STATES),
  schedule_amount: z.object({ total: fenSchema, currency: z.string() }).optional(),
  deduct_start_date: z.string().optional(),
  deduct_end_date: z.string().optional(),
});
export type DeductSchedule = z.infer<typeof deductScheduleSchema>;

/** `POST /v3/papay/pay/transactions/apply` only accepts; the result comes by notification or order query. */
export const deductionAcceptedSchema = z.object({
  out_trade_no: z.string(),
  amount: z.object({ total: fenSchema, currency: z.string().optional() }),
});
export type DeductionAccepted = z.infer<typeof deductionAcceptedSchema>;
