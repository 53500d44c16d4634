import { DomainError, type CommonErrorCode } from '@wxpay/contracts';
import { GrpcStatus, type ErrorStatusTable } from '@wxpay/grpc';

/**
 * The AutoRepayment contract's error codes (gateway/repayment/v1/repayment.proto lists them with their statuses).
 * Messages name fields and states, never a card number or a value the caller sent.
 */
export const RepaymentErrors = {
  planNotFound: 'PLAN_NOT_FOUND',
  runNotFound: 'RUN_NOT_FOUND',
  /** The card, or the contract, already has a live plan. */
  planExists: 'PLAN_EXISTS',
  /** expected_version is not the plan's version (someone changed it first). */
  versionMismatch: 'VERSION_MISMATCH',
  invalidState: 'INVALID_STATE',
  contractNotFound: 'CONTRACT_NOT_FOUND',
  contractNotSigned: 'CONTRACT_NOT_SIGNED',
  /** WeChat Pay did not answer while the contract was checked; nothing was changed: retry. */
  wechatPayUnavailable: 'WECHATPAY_UNAVAILABLE',
} as const;

export type RepaymentErrorCode = (typeof RepaymentErrors)[keyof typeof RepaymentErrors] | CommonErrorCode;

export const REPAYMENT_ERROR_STATUS: ErrorStatusTable<RepaymentErrorCode> = {
  PLAN_NOT_FOUND: GrpcStatus.NOT_FOUND,
  RUN_NOT_FOUND: GrpcStatus.NOT_FOUND,
  PLAN_EXISTS: GrpcStatus.ALREADY_EXISTS,
  VERSION_MISMATCH: GrpcStatus.ABORTED,
  INVALID_STATE: GrpcStatus.FAILED_PRECONDITION,
  CONTRACT_NOT_FOUND: GrpcStatus.NOT_FOUND,
  CONTRACT_NOT_SIGNED: GrpcStatus.FAILED_PRECONDITION,
  WECHATPAY_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
};

const repaymentError = (code: RepaymentErrorCode, message: string, field?: string) =>
  new DomainError<RepaymentErrorCode>(code, message, { field });

export const planNotFound = () =>
  repaymentError(RepaymentErrors.planNotFound, 'plan_id: no such plan', 'plan_id');

export const runNotFound = () =>
  repaymentError(RepaymentErrors.runNotFound, 'statement_id: no such run', 'statement_id');

export const runInvalidState = (status: string, what: string) =>
  repaymentError(RepaymentErrors.invalidState, `run is ${status}: cannot ${what}`, 'statement_id');

export const planExists = () =>
  repaymentError(
    RepaymentErrors.planExists,
    'the card or the contract already has a live plan',
    'card_token',
  );

export const versionMismatch = (version: number) =>
  repaymentError(
    RepaymentErrors.versionMismatch,
    `expected_version: the plan is at version ${version}`,
    'expected_version',
  );

export const invalidState = (status: string, what: string) =>
  repaymentError(RepaymentErrors.invalidState, `plan is ${status}: cannot ${what}`, 'plan_id');

export const contractNotFound = () =>
  repaymentError(RepaymentErrors.contractNotFound, 'contract: WeChat Pay knows no such contract', 'contract');

export const contractNotSigned = (state: string) =>
  repaymentError(RepaymentErrors.contractNotSigned, `contract is ${state}, not SIGNED`, 'contract');

export const wechatPayUnavailable = () =>
  repaymentError(RepaymentErrors.wechatPayUnavailable, 'WeChat Pay did not answer; nothing was changed');
