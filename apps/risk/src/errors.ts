import { DomainError, type CommonErrorCode } from '@wxpay/contracts';
import { GrpcStatus, type ErrorStatusTable } from '@wxpay/grpc';

/**
 * Risk's error codes (the RiskEngine contract; each answered with the status below, the code in ErrorDetail and
 * `x-reason`). Messages name fields and states, never a value the caller sent.
 */
export const RiskErrors = {
  /** Decisions cannot be stored right now (the database is down or far behind): apply the fail policy or retry. */
  decisionBacklog: 'DECISION_BACKLOG',
  /** No review case for this decision. */
  reviewNotFound: 'REVIEW_NOT_FOUND',
  /** Another reviewer holds the claim (its lease has not expired). */
  claimedByOther: 'CLAIMED_BY_OTHER',
  /** Resolving a case the reviewer does not hold (never claimed, or the lease has expired). */
  notClaimed: 'NOT_CLAIMED',
  alreadyResolved: 'ALREADY_RESOLVED',
  /** ReloadRules: a rule file has an error; the rules in force stay live. */
  rulesRefused: 'RULES_REFUSED',
  /** The caller's deadline passed before the evaluation started. */
  deadlinePassed: 'DEADLINE_PASSED',
} as const;

export type RiskErrorCode = (typeof RiskErrors)[keyof typeof RiskErrors] | CommonErrorCode;

export const RISK_ERROR_STATUS: ErrorStatusTable<RiskErrorCode> = {
  DECISION_BACKLOG: GrpcStatus.UNAVAILABLE,
  REVIEW_NOT_FOUND: GrpcStatus.NOT_FOUND,
  CLAIMED_BY_OTHER: GrpcStatus.FAILED_PRECONDITION,
  NOT_CLAIMED: GrpcStatus.FAILED_PRECONDITION,
  ALREADY_RESOLVED: GrpcStatus.FAILED_PRECONDITION,
  RULES_REFUSED: GrpcStatus.FAILED_PRECONDITION,
  DEADLINE_PASSED: GrpcStatus.DEADLINE_EXCEEDED,
};

export const riskError = (code: RiskErrorCode, message: string, field?: string) =>
  new DomainError<RiskErrorCode>(code, message, { field });
