import { z } from 'zod';
import { statementMoneySchema } from './statements';

/**
 * Facts on `repayments.lifecycle.v1`, published by the repayment service through its outbox. Key (aggregate id):
 * the statement id for a run's events (one cycle's facts stay in order), the plan id for plan events. Money is
 * integer minor units; instants are UTC. No card number, contract secret or key ever appears here.
 */
export const RepaymentEventTypes = {
  planCreated: 'RepaymentPlanCreated',
  planUpdated: 'RepaymentPlanUpdated',
  planPaused: 'RepaymentPlanPaused',
  planResumed: 'RepaymentPlanResumed',
  planCancelled: 'RepaymentPlanCancelled',
  planContractEnded: 'RepaymentPlanContractEnded',
  scheduled: 'RepaymentScheduled',
  skipped: 'RepaymentSkipped',
  noticeSent: 'RepaymentNoticeSent',
  deductionRequested: 'DeductionRequested',
  deductionFailed: 'DeductionFailed',
  collected: 'RepaymentCollected',
  succeeded: 'RepaymentSucceeded',
  failed: 'RepaymentFailed',
  cancelled: 'RepaymentCancelled',
  postingFailed: 'RepaymentPostingFailed',
  postingRetried: 'RepaymentPostingRetried',
} as const;

export type RepaymentEventType = (typeof RepaymentEventTypes)[keyof typeof RepaymentEventTypes];

export const DECLINE_CLASSES = [
  'INSUFFICIENT_BALANCE',
  'CHANNEL',
  'CONTRACT_ENDED',
  'LIMIT',
  'OTHER',
] as const;
export type DeclineClass = (typeof DECLINE_CLASSES)[number];

const instant = z.iso.datetime({ offset: false });

export const repaymentPlanEventSchema = z.object({
  planId: z.string(),
  cardToken: z.string(),
  contractId: z.string(),
  mode: z.enum(['FULL', 'MINIMUM', 'FIXED']),
  fixedAmount: statementMoneySchema.optional(),
  daysBeforeDue: z.number().int(),
  status: z.enum(['ACTIVE', 'PAUSED', 'CANCELLED', 'CONTRACT_ENDED']),
  version: z.number().int(),
  reason: z.string().optional(),
});

const runFact = z.object({
  statementId: z.string(),
  planId: z.string().optional(),
  cardToken: z.string(),
});

export const repaymentScheduledSchema = runFact.extend({
  target: statementMoneySchema,
  dueDate: z.iso.date(),
  noticeAt: instant,
  deductAt: instant,
});
export const repaymentSkippedSchema = runFact.extend({ reason: z.string() });
export const repaymentNoticeSentSchema = runFact.extend({
  estimated: statementMoneySchema,
  deductDays: z.number().int().min(1).max(3),
});
export const deductionRequestedSchema = runFact.extend({
  attempt: z.number().int().min(1),
  kind: z.enum(['PLANNED', 'RETRY', 'FALLBACK_MINIMUM']),
  amount: statementMoneySchema,
  outTradeNo: z.string(),
});
export const deductionFailedSchema = runFact.extend({
  attempt: z.number().int().min(1),
  outTradeNo: z.string(),
  declineClass: z.enum(DECLINE_CLASSES),
  reason: z.string(),
  /** When the next attempt is planned; absent when the run stops here. */
  nextAttemptAt: instant.optional(),
});
export const repaymentCollectedSchema = runFact.extend({
  amount: statementMoneySchema,
  outTradeNo: z.string(),
  wechatTransactionId: z.string().optional(),
});
export const repaymentSucceededSchema = runFact.extend({
  amount: statementMoneySchema,
  outTradeNo: z.string(),
  wechatTransactionId: z.string().optional(),
  /** The UnionPay retrieval reference of the credit to the card account. */
  postingRrn: z.string(),
  fallbackToMinimum: z.boolean(),
});
export const repaymentFailedSchema = runFact.extend({
  reason: z.enum(['CONTRACT_ENDED', 'EXHAUSTED', 'DUE_DATE_PASSED', 'PLAN_CANCELLED']),
  lastDeclineClass: z.enum(DECLINE_CLASSES).optional(),
  /** The cardholder must be told (the bank's messaging consumes this). */
  notifyCardholder: z.boolean(),
});
export const repaymentCancelledSchema = runFact.extend({
  reason: z.enum(['REPAID_MANUALLY', 'PLAN_PAUSED', 'PLAN_CANCELLED']),
  manualAmount: statementMoneySchema.optional(),
});
export const repaymentPostingFailedSchema = runFact.extend({
  amount: statementMoneySchema,
  responseCode: z.string(),
});
/** An operator sent a POSTING_FAILED run's money to the card account again (RetryPosting). */
export const repaymentPostingRetriedSchema = runFact.extend({
  amount: statementMoneySchema,
  /** The console user who asked for it. */
  operator: z.string(),
});

export const repaymentPayloadSchemas = {
  RepaymentPlanCreated: repaymentPlanEventSchema,
  RepaymentPlanUpdated: repaymentPlanEventSchema,
  RepaymentPlanPaused: repaymentPlanEventSchema,
  RepaymentPlanResumed: repaymentPlanEventSchema,
  RepaymentPlanCancelled: repaymentPlanEventSchema,
  RepaymentPlanContractEnded: repaymentPlanEventSchema,
  RepaymentScheduled: repaymentScheduledSchema,
  RepaymentSkipped: repaymentSkippedSchema,
  RepaymentNoticeSent: repaymentNoticeSentSchema,
  DeductionRequested: deductionRequestedSchema,
  DeductionFailed: deductionFailedSchema,
  RepaymentCollected: repaymentCollectedSchema,
  RepaymentSucceeded: repaymentSucceededSchema,
  RepaymentFailed: repaymentFailedSchema,
  RepaymentCancelled: repaymentCancelledSchema,
  RepaymentPostingFailed: repaymentPostingFailedSchema,
  RepaymentPostingRetried: repaymentPostingRetriedSchema,
} as const satisfies Record<RepaymentEventType, z.ZodType>;
