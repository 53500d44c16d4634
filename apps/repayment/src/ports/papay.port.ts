import { type DeclineClass } from '@wxpay/contracts';

/** What the repayment service needs of WeChat Pay's contract deduction (papay). Amounts are integer fen. */
export interface PapayPort {
  /** The contract as WeChat Pay knows it, by our template and contract number. */
  queryContract(wechatPlanId: string, outContractCode: string): Promise<ContractFacts>;
  terminateContract(wechatPlanId: string, outContractCode: string, remark: string): Promise<void>;
  sendNotice(contractId: string, estimatedFen: number, deductDays: number): Promise<void>;
  /** Accepted only: the result comes by notification or `queryDeduction`. Idempotent on outTradeNo. */
  applyDeduction(d: DeductionOrder): Promise<void>;
  queryDeduction(outTradeNo: string): Promise<DeductionOutcome>;
  /** Asks the payer to top up after a failed deduction. */
  sendFailureNotice(contractId: string): Promise<void>;
}

export interface ContractFacts {
  contractId: string;
  state: string;
  openid: string;
}

export interface DeductionOrder {
  contractId: string;
  outTradeNo: string;
  amountFen: number;
  description: string;
  attach: string;
}

export type DeductionOutcome =
  | { state: 'SUCCEEDED'; transactionId?: string; amountFen?: number }
  | { state: 'FAILED'; declineClass: DeclineClass; reason: string }
  | { state: 'PENDING' }
  | { state: 'NOT_FOUND' };

/** WeChat Pay refused the call for a business reason: retrying the same call will not help. */
export class PapayRefusedError extends Error {
  override readonly name = 'PapayRefusedError';
  constructor(
    readonly code: string,
    readonly declineClass: DeclineClass,
    readonly wechatMessage: string,
    readonly httpStatus: number,
  ) {
    super(`WeChat Pay refused: ${code}`);
  }
}

/** WeChat Pay did not answer usably (network, timeout, 5xx): the same call may be retried. */
export class PapayUnavailableError extends Error {
  override readonly name = 'PapayUnavailableError';
}

export const PAPAY_PORT = Symbol('PAPAY_PORT');
