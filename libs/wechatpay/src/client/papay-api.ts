import { assertNoCardNumber } from '../models/free-text';
import { assertFen, CURRENCY_CNY } from '../models/money';
import {
  deductionAcceptedSchema,
  deductScheduleSchema,
  papayContractSchema,
  preEntrustSignResultSchema,
  type DeductionAccepted,
  type DeductSchedule,
  type PapayContract,
  type PreEntrustSignResult,
} from '../models/papay';
import { type Transaction } from '../models/transaction';
import { type CallOptions, type MerchantContext } from './merchant-context';
import { optional } from './optional-fields';
import { type LimitPay, type PaymentsApi } from './payments-api';
import { pathSegment } from './wechatpay-http';

/*
 * Contract deduction for automatic repayment, on the APIv3 "scheduled deduction" papay product (sheet §6.2) plus
 * the v3 pre-deduction notice (§6.1). Paths and required fields are from the sheet; marked "Assumption" where it
 * is silent (mostly: whether appid/mchid travel in the body or the query, and the exact answer shapes).
 */

export type SignScene = 'SIGN_SCENE_APP' | 'SIGN_SCENE_QRCODE' | 'SIGN_SCENE_H5' | 'SIGN_SCENE_MINIPROGRAM';

export interface PreEntrustSignRequest {
  readonly plan_id: string;
  /** Our contract number; never reusable. */
  readonly out_contract_code: string;
  /** Shown to the payer, e.g. a masked card number ("尾号0403"); never a full PAN. */
  readonly contract_display_account: string;
  readonly contract_notify_url: string;
  readonly sign_scene: SignScene;
  readonly out_user_code?: string;
}

export interface PreDeductionNoticeRequest {
  /** 1–3 days during which the deduction may happen, after the waiting period. */
  readonly deduct_duration: { readonly count: number; readonly unit: 'DAY' };
  /** Integer fen; the deduction may not exceed it. */
  readonly estimated_amount: { readonly amount: number; readonly currency?: 'CNY' };
}

export interface DeductionRequest {
  readonly contract_id: string;
  readonly out_trade_no: string;
  readonly description: string;
  readonly transaction_notify_url: string;
  /** Integer fen; must equal the scheduled amount. */
  readonly amount: { readonly total: number; readonly currency?: 'CNY' };
  readonly attach?: string;
  readonly goods_tag?: string;
  /**
   * Funding to exclude, as on an order (`no_credit` keeps a deduction off the payer's credit cards). Assumption:
   * WeChat's published v3 `transactions/apply` body does not list it; v2 `pappayapply` takes `limit_pay=no_credit`,
   * and v3 orders take this array, so v3 apply is sent the array form (sheet §6).
   */
  readonly limit_pay?: readonly LimitPay[];
}

export class PapayApi {
  constructor(
    private readonly ctx: MerchantContext,
    private readonly payments: PaymentsApi,
  ) {}

  /** `POST /v3/papay/sign/contracts/pre-entrust-sign`. Assumption: appid in the body, mchid from the signature. */
  async preEntrustSign(req: PreEntrustSignRequest, options: CallOptions = {}): Promise<PreEntrustSignResult> {
    return this.ctx.caller.json(
      {
        method: 'POST',
        path: '/v3/papay/sign/contracts/pre-entrust-sign',
        body: { appid: this.ctx.appid, ...optional({ ...req }) },
        // A new pre-sign id per call is harmless but not idempotent: the caller decides on retries.
        retry: 'none',
        signal: options.signal,
      },
      preEntrustSignResultSchema,
    );
  }

  /** Assumption: `appid` as a query parameter. */
  async queryContract(
    planId: string,
    outContractCode: string,
    options: CallOptions = {},
  ): Promise<PapayContract> {
    return this.ctx.caller.json(
      {
        method: 'GET',
        path: contractPath(planId, outContractCode),
        query: { appid: this.ctx.appid },
        retry: 'safe',
        signal: options.signal,
      },
      papayContractSchema,
    );
  }

  /** Assumption: answers the terminated contract object. */
  async terminateContract(
    planId: string,
    outContractCode: string,
    remark: string,
    options: CallOptions = {},
  ): Promise<PapayContract> {
    assertNoCardNumber(remark, 'contract_termination_remark');
    return this.ctx.caller.json(
      {
        method: 'POST',
        path: `${contractPath(planId, outContractCode)}/terminate`,
        body: { appid: this.ctx.appid, contract_termination_remark: remark },
        retry: 'none',
        signal: options.signal,
      },
      papayContractSchema,
    );
  }

  /** `POST /v3/papay/contracts/{contract_id}/notify` → 204. WeChat allows it 07:00–22:00 Beijing time. */
  async sendPreDeductionNotice(
    contractId: string,
    req: PreDeductionNoticeRequest,
    options: CallOptions = {},
  ): Promise<void> {
    assertFen(req.estimated_amount.amount, 'estimated_amount.amount');
    await this.ctx.caller.noContent({
      method: 'POST',
      path: `/v3/papay/contracts/${pathSegment(contractId)}/notify`,
      body: {
        mchid: this.ctx.mchid,
        appid: this.ctx.appid,
        deduct_duration: req.deduct_duration,
        estimated_amount: {
          amount: req.estimated_amount.amount,
          currency: req.estimated_amount.currency ?? CURRENCY_CNY,
        },
      },
      retry: 'none', // each call may notify the payer again
      signal: options.signal,
    });
  }

  /** `POST /v3/papay/contracts/{contract_id}/fail-notify` → 204: asks the payer to top up after a failure. */
  async sendDeductionFailureNotice(contractId: string, options: CallOptions = {}): Promise<void> {
    await this.ctx.caller.noContent({
      method: 'POST',
      path: `/v3/papay/contracts/${pathSegment(contractId)}/fail-notify`,
      body: { mchid: this.ctx.mchid, appid: this.ctx.appid },
      retry: 'none',
      signal: options.signal,
    });
  }

  /** `POST /v3/papay/pay/schedules/contract-id/{contract_id}/schedule`: books the amount of the next deduction. */
  async scheduleDeduction(
    contractId: string,
    amount: { readonly total: number; readonly currency?: 'CNY' },
    options: CallOptions = {},
  ): Promise<DeductSchedule> {
    assertFen(amount.total, 'schedule_amount.total');
    return this.ctx.caller.json(
      {
        method: 'POST',
        path: `${schedulePath(contractId)}/schedule`,
        body: {
          appid: this.ctx.appid,
          schedule_amount: { total: amount.total, currency: amount.currency ?? CURRENCY_CNY },
        },
        retry: 'none',
        signal: options.signal,
      },
      deductScheduleSchema,
    );
  }

  /** Assumption: `appid` as a query parameter; answers the schedule object. */
  async querySchedule(contractId: string, options: CallOptions = {}): Promise<DeductSchedule> {
    return this.ctx.caller.json(
      {
        method: 'GET',
        path: schedulePath(contractId),
        query: { appid: this.ctx.appid },
        retry: 'safe',
        signal: options.signal,
      },
      deductScheduleSchema,
    );
  }

  /**
   * `POST /v3/papay/pay/transactions/apply`: accepted only; the result arrives as TRANSACTION.SUCCESS / .FAIL
   * (trade_type PAP) or through `queryDeduction`. Keyed by out_trade_no, so retried like an order.
   */
  async applyDeduction(req: DeductionRequest, options: CallOptions = {}): Promise<DeductionAccepted> {
    assertFen(req.amount.total, 'amount.total');
    assertNoCardNumber(req.description, 'description');
    assertNoCardNumber(req.attach, 'attach');
    return this.ctx.caller.json(
      {
        method: 'POST',
        path: '/v3/papay/pay/transactions/apply',
        body: {
          appid: this.ctx.appid,
          ...optional({ ...req }),
          amount: { total: req.amount.total, currency: req.amount.currency ?? CURRENCY_CNY },
        },
        retry: 'keyed',
        signal: options.signal,
      },
      deductionAcceptedSchema,
    );
  }

  /** Assumption (sheet §6.2: "or order query"): a deduction is an order of trade_type PAP. */
  async queryDeduction(outTradeNo: string, options: CallOptions = {}): Promise<Transaction> {
    return this.payments.queryByOutTradeNo(outTradeNo, options);
  }
}

function contractPath(planId: string, outContractCode: string): string {
  return `/v3/papay/sign/contracts/plan-id/${pathSegment(planId)}/out-contract-code/${pathSegment(outContractCode)}`;
}

function schedulePath(contractId: string): string {
  return `/v3/papay/pay/schedules/contract-id/${pathSegment(contractId)}`;
}
