import {
  Mode,
  type CancelPlanRequest,
  type Contract,
  type CreatePlanRequest,
  type GetPlanRequest,
  type IngestStatementRequest,
  type ListRunsRequest,
  type Money,
  type PausePlanRequest,
  type ResumePlanRequest,
  type RetryPostingRequest,
  type UpdatePlanRequest,
} from '@wxpay/contracts';
import { rules, type RequestRules } from '@wxpay/grpc';
import { z } from 'zod';
import { CURRENCY } from '../repayment-options';

/*
 * The field rules of the AutoRepayment requests (INVALID_ARGUMENT naming the field, nothing changed, the value
 * never echoed: a mistaken card number in a token field must not travel back in an error). Cross-field rules
 * (FIXED needs fixed_amount, minimum_due ≤ amount_due, plan_id or statement_id) are the use cases'. The
 * idempotency key is checked by @Idempotent.
 */

/** An identifier of ours or WeChat Pay's: 1..max printable ASCII characters. */
const identifier = (max = 64, options: { optional?: boolean; issuedId?: boolean } = {}) =>
  rules.text({
    min: options.optional ? 0 : 1,
    max,
    pattern: /^[\x21-\x7e]+$/,
    allowed: 'printable ASCII characters',
    issuedId: options.issuedId,
  });

/** Plan ids are ours (rpl_ + 32 hex). */
const planId = identifier(64, { issuedId: true });
const reason = rules.text({ max: 200 });

/** Money in the plans' currency (CNY), in whole fen. */
const amount = (options: { allowZero?: boolean; required?: boolean } = {}) =>
  rules.message<Money>(
    { amount_minor: rules.minorUnits({ allowZero: options.allowZero }), currency: rules.currency(CURRENCY) },
    { required: options.required },
  );

/** 1..10; 0 (proto3's unset) means the service default on create and "keep" on update. */
const daysBeforeDue = rules.intRange(1, 10, { unsetAllowed: true });

export const CREATE_PLAN: RequestRules<CreatePlanRequest> = {
  card_token: rules.cardToken(),
  contract: rules.message<Contract>({ wechat_plan_id: identifier(), out_contract_code: identifier(32) }),
  mode: rules.enumValue(Mode),
  fixed_amount: amount({ required: false }),
  days_before_due: daysBeforeDue,
};

export const GET_PLAN: RequestRules<GetPlanRequest> = { plan_id: planId };

export const UPDATE_PLAN: RequestRules<UpdatePlanRequest> = {
  plan_id: planId,
  mode: rules.enumValue(Mode, { optional: true }),
  fixed_amount: amount({ required: false }),
  days_before_due: daysBeforeDue,
  // int64 on the wire (a decimal string); 0 = any version.
  expected_version: z.string().refine((v) => /^\d{1,15}$/.test(v), { error: 'must be ≥ 0' }),
};

export const PAUSE_PLAN: RequestRules<PausePlanRequest> = { plan_id: planId, reason };

export const RESUME_PLAN: RequestRules<ResumePlanRequest> = { plan_id: planId };

export const CANCEL_PLAN: RequestRules<CancelPlanRequest> = { plan_id: planId, reason };

export const LIST_RUNS: RequestRules<ListRunsRequest> = {
  plan_id: identifier(64, { optional: true, issuedId: true }),
  statement_id: identifier(64, { optional: true }),
  page_size: rules.intRange(1, 100, { unsetAllowed: true }),
};

export const INGEST_STATEMENT: RequestRules<IngestStatementRequest> = {
  statement_id: identifier(),
  card_token: rules.cardToken(),
  amount_due: amount({ allowZero: true }),
  minimum_due: amount({ allowZero: true }),
  due_date: rules.isoDate(),
};

export const RETRY_POSTING: RequestRules<RetryPostingRequest> = {
  statement_id: identifier(),
  operator: rules.operator(),
  reason: rules.text({ min: 1, max: 256, bmpOnly: true }),
};
