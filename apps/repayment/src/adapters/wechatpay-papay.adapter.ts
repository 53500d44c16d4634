import { WechatPayApiError, WechatPayTransportError, type WechatPayClient } from '@wxpay/wechatpay';
import { classifyDecline } from '../domain/schedule/decline-class';
import {
  PapayRefusedError,
  PapayUnavailableError,
  type ContractFacts,
  type DeductionOrder,
  type DeductionOutcome,
  type PapayPort,
} from '../ports/papay.port';

const FAILED_STATES = new Set(['PAY_FAIL', 'PAYERROR', 'CLOSED', 'REVOKED']);
const PENDING_STATES = new Set(['ACCEPT', 'NOTPAY', 'USERPAYING']);

/**
 * Every deduction excludes credit: repaying a credit card with credit is forbidden, and WeChat Pay's default
 * funding order tries the payer's credit cards right after the change balance.
 */
const NOT_ON_CREDIT = ['no_credit'] as const;

/** The papay port over libs/wechatpay's signed v3 client; WeChat's errors become the port's two kinds. */
export class WechatPayPapayAdapter implements PapayPort {
  constructor(
    private readonly client: WechatPayClient,
    private readonly notifyUrl: string,
  ) {}

  async queryContract(wechatPlanId: string, outContractCode: string): Promise<ContractFacts> {
    const c = await guard(() => this.client.papay.queryContract(wechatPlanId, outContractCode));
    return { contractId: c.contract_id, state: c.contract_state, openid: c.openid ?? '' };
  }

  async terminateContract(wechatPlanId: string, outContractCode: string, remark: string): Promise<void> {
    await guard(() => this.client.papay.terminateContract(wechatPlanId, outContractCode, remark));
  }

  async sendNotice(contractId: string, estimatedFen: number, deductDays: number): Promise<void> {
    await guard(() =>
      this.client.papay.sendPreDeductionNotice(contractId, {
        deduct_duration: { count: deductDays, unit: 'DAY' },
        estimated_amount: { amount: estimatedFen },
      }),
    );
  }

  async applyDeduction(d: DeductionOrder): Promise<void> {
    await guard(() =>
      this.client.papay.applyDeduction({
        contract_id: d.contractId,
        out_trade_no: d.outTradeNo,
        description: d.description,
        transaction_notify_url: this.notifyUrl,
        amount: { total: d.amountFen },
        attach: d.attach,
        limit_pay: NOT_ON_CREDIT,
      }),
    );
  }

  async queryDeduction(outTradeNo: string): Promise<DeductionOutcome> {
    try {
      const t = await guard(() => this.client.papay.queryDeduction(outTradeNo));
      if (t.trade_state === 'SUCCESS') {
        return {
          state: 'SUCCEEDED',
          ...(t.transaction_id ? { transactionId: t.transaction_id } : {}),
          ...(t.amount?.total !== undefined ? { amountFen: t.amount.total } : {}),
        };
      }
      if (FAILED_STATES.has(t.trade_state)) {
        const reason = t.trade_state_desc ?? t.trade_state;
        return { state: 'FAILED', declineClass: classifyDecline(undefined, reason), reason };
      }
      return PENDING_STATES.has(t.trade_state) ? { state: 'PENDING' } : { state: 'PENDING' };
    } catch (e) {
      if (e instanceof PapayRefusedError && (e.code === 'ORDER_NOT_EXIST' || e.httpStatus === 404)) {
        return { state: 'NOT_FOUND' };
      }
      throw e;
    }
  }

  async sendFailureNotice(contractId: string): Promise<void> {
    await guard(() => this.client.papay.sendDeductionFailureNotice(contractId));
  }
}

async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof WechatPayApiError) {
      if (e.retryable) throw new PapayUnavailableError(`WeChat Pay ${e.httpStatus} ${e.code}`);
      throw new PapayRefusedError(
        e.code,
        classifyDecline(e.code, e.wechatMessage),
        e.wechatMessage,
        e.httpStatus,
      );
    }
    if (e instanceof WechatPayTransportError) throw new PapayUnavailableError(e.message);
    throw e;
  }
}
