import { wechatErrors } from '../http/sim-api-error';
import { type NotificationDispatcher } from '../notifications/notification-dispatcher';
import { type SimSettings } from '../sim-settings';
import {
  type CreditCardRecord,
  type NoticeRecord,
  type OrderRecord,
  type ScheduleRecord,
} from '../store/sim-state';
import { type StateStore } from '../store/state-store';
import { type ContractsService } from './contracts-service';
import { fundDeduction } from './deduction-funding';
import { fingerprint } from './fingerprint';
import { newTransactionId } from './ids';
import { type MerchantChecks } from './merchant-checks';
import { type DeductionBody, type PreDeductionNoticeBody } from './request-schemas';
import { type SimTimers } from './sim-timers';
import { transactionView } from './views';
import { beijingDate, beijingTime } from './wechat-time';

/** Notices kept per contract for the operator's view; only the newest one can authorise a deduction. */
const NOTICE_HISTORY = 10;

/**
 * Papay deductions (sheet §6.1/§6.2): a schedule (same amount) or a pre-deduction notice (amount ≤ estimate)
 * authorises one deduction → apply answers ACCEPT → processed after a simulated delay against the payer's
 * change balance, or the bound credit card unless `limit_pay` excludes credit (deduction-funding.ts) →
 * TRANSACTION.SUCCESS / TRANSACTION.FAIL (trade_type PAP).
 * Deliberately not modelled: the 08:00–19:30 / 07:00–22:00 call windows, the one-day deduction window and the
 * automatic contract termination after a successful scheduled deduction (they would make demos time-dependent).
 */
export class DeductionsService {
  constructor(
    private readonly store: StateStore,
    private readonly contracts: ContractsService,
    private readonly checks: MerchantChecks,
    private readonly dispatcher: NotificationDispatcher,
    private readonly settings: SimSettings,
    private readonly timers: SimTimers,
  ) {}

  resume(): void {
    for (const o of Object.values(this.store.state.orders)) {
      if (o.trade_type === 'PAP' && o.trade_state === 'ACCEPT') this.scheduleProcessing(o);
    }
  }

  preDeductionNotice(contractId: string, body: PreDeductionNoticeBody): void {
    this.checks.mchid(body.mchid);
    this.checks.appid(body.appid);
    this.contracts.signed(contractId);
    this.store.update((s) => {
      const history = (s.notices[contractId] ??= []);
      history.push({
        contract_id: contractId,
        estimated_amount: body.estimated_amount,
        deduct_days: body.deduct_duration.count,
        sent_at: beijingTime(),
        used: false,
      });
      if (history.length > NOTICE_HISTORY) history.splice(0, history.length - NOTICE_HISTORY);
    });
  }

  /** The notices a contract received, oldest first (at most NOTICE_HISTORY); undefined for no such contract. */
  noticeHistory(contractId: string): readonly NoticeRecord[] | undefined {
    if (!this.store.state.contracts[contractId]) return undefined;
    return this.store.state.notices[contractId] ?? [];
  }

  failNotice(contractId: string, mchid: string, appid: string): void {
    this.checks.mchid(mchid);
    this.checks.appid(appid);
    this.contracts.signed(contractId);
  }

  schedule(
    contractId: string,
    appid: string,
    amount: { total: number; currency: string },
  ): Record<string, unknown> {
    this.checks.appid(appid);
    this.contracts.signed(contractId);
    const current = this.store.state.schedules[contractId];
    if (current?.reserved_by) throw wechatErrors.ruleLimit('存在处理中的扣款，暂不能修改预约');
    const tomorrow = beijingDate(Date.now() + 24 * 3600 * 1000);
    const record: ScheduleRecord = {
      contract_id: contractId,
      schedule_state: 'SCHEDULED',
      schedule_amount: amount,
      deduct_start_date: tomorrow,
      deduct_end_date: tomorrow,
    };
    this.store.update((s) => {
      s.schedules[contractId] = record;
    });
    return scheduleView(record);
  }

  querySchedule(contractId: string): Record<string, unknown> {
    if (!this.store.state.contracts[contractId]) throw wechatErrors.resourceNotExists('签约关系不存在');
    const s = this.store.state.schedules[contractId];
    return s ? scheduleView(s) : { contract_id: contractId, schedule_state: 'NO_SCHEDULED' };
  }

  /** Accepts a deduction if a schedule (same amount) or a notice (amount ≤ estimate) authorises it. */
  applyDeduction(body: DeductionBody, authMchid: string): Record<string, unknown> {
    this.checks.appid(body.appid);
    this.checks.notifyUrl(body.transaction_notify_url, 'transaction_notify_url');
    const print = fingerprint({ tradeType: 'PAP', ...body });
    const existing = this.store.state.orders[body.out_trade_no];
    if (existing) {
      if (existing.fingerprint !== print)
        throw wechatErrors.invalidRequest('请求重入时，参数与首次请求时不一致');
      return { out_trade_no: existing.out_trade_no, amount: existing.amount };
    }
    const contract = this.contracts.signed(body.contract_id);
    const schedule = this.store.state.schedules[contract.contract_id];
    const notice = this.store.state.notices[contract.contract_id]?.at(-1); // a newer notice replaces older ones
    const bySchedule =
      schedule?.schedule_state === 'SCHEDULED' &&
      !schedule.reserved_by &&
      schedule.schedule_amount.total === body.amount.total;
    const byNotice =
      !bySchedule &&
      notice &&
      !notice.used &&
      !notice.reserved_by &&
      body.amount.total <= notice.estimated_amount.amount;
    if (!bySchedule && !byNotice) {
      throw wechatErrors.ruleLimit('未预约扣费或扣费金额与预约金额不一致（每次预约仅可扣费一次）');
    }
    const order: OrderRecord = {
      out_trade_no: body.out_trade_no,
      appid: body.appid,
      mchid: authMchid,
      trade_type: 'PAP',
      fingerprint: print,
      description: body.description,
      notify_url: body.transaction_notify_url,
      amount: body.amount,
      attach: body.attach,
      ...(body.limit_pay ? { limit_pay: body.limit_pay } : {}),
      payer_openid: contract.openid,
      contract_id: contract.contract_id,
      created_at: beijingTime(),
      trade_state: 'ACCEPT',
      refunded_total: 0,
      refund_count: 0,
      process_at: Date.now() + this.settings.scaledMs(this.settings.config.deductionDelaySeconds),
    };
    this.store.update((s) => {
      s.orders[order.out_trade_no] = order;
      if (bySchedule) schedule.reserved_by = order.out_trade_no;
      else if (notice) notice.reserved_by = order.out_trade_no;
    });
    this.scheduleProcessing(order);
    return { out_trade_no: order.out_trade_no, amount: order.amount };
  }

  /** The payer's change balance that deductions draw on first (default from WECHATPAY_SIM_DEFAULT_BALANCE_FEN). */
  balance(openid: string): number {
    return this.store.state.balances[openid] ?? this.settings.config.defaultBalanceFen;
  }

  setBalance(openid: string, fen: number): void {
    this.store.update((s) => {
      s.balances[openid] = fen;
    });
  }

  /** The credit card the payer bound, which deductions draw on after the change unless `no_credit` excludes it. */
  creditCard(openid: string): CreditCardRecord | undefined {
    return this.store.state.creditCards[openid];
  }

  setCreditCard(openid: string, card: CreditCardRecord): void {
    this.store.update((s) => {
      s.creditCards[openid] = card;
    });
  }

  private scheduleProcessing(order: OrderRecord): void {
    this.timers.at(`deduct:${order.out_trade_no}`, order.process_at ?? Date.now(), () =>
      this.process(order.out_trade_no),
    );
  }

  /** Debits the payer's balance, or fails the deduction; either way notifies and frees the authorisation. */
  private process(outTradeNo: string): void {
    const s = this.store.state;
    const o = s.orders[outTradeNo];
    if (!o || o.trade_state !== 'ACCEPT' || !o.contract_id || !o.payer_openid) return;
    const contract = s.contracts[o.contract_id];
    const openid = o.payer_openid;
    const balance = s.balances[openid] ?? this.settings.config.defaultBalanceFen;
    const source = fundDeduction(
      o.amount.total,
      { changeFen: balance, creditCard: s.creditCards[openid] },
      o.limit_pay,
    );
    const failure =
      contract?.contract_state !== 'SIGNED' ? '签约关系已解除' : !source ? '用户余额不足' : undefined;
    const schedule = s.schedules[o.contract_id];
    // The notice this deduction reserved; a newer one may have been sent meanwhile (it stays unused).
    const notice = s.notices[o.contract_id]?.find((n) => n.reserved_by === outTradeNo);
    this.store.update((st) => {
      if (failure || !source) {
        o.trade_state = 'PAY_FAIL';
        o.trade_state_desc = failure;
      } else {
        const transactionId = newTransactionId();
        if (source.kind === 'CHANGE') st.balances[openid] = balance - o.amount.total;
        else st.creditCards[openid]!.available_fen -= o.amount.total;
        o.trade_state = 'SUCCESS';
        o.trade_state_desc = undefined;
        o.transaction_id = transactionId;
        o.success_time = beijingTime();
        o.bank_type = source.kind === 'CHANGE' ? 'OTHERS' : source.bankType;
        st.transactionIndex[transactionId] = o.out_trade_no;
      }
      if (schedule?.reserved_by === outTradeNo) {
        schedule.reserved_by = undefined;
        if (!failure) schedule.schedule_state = 'PAID';
      }
      if (notice) {
        notice.reserved_by = undefined;
        if (!failure) notice.used = true;
      }
    });
    this.dispatcher.enqueue({
      url: o.notify_url,
      eventType: failure ? 'TRANSACTION.FAIL' : 'TRANSACTION.SUCCESS',
      summary: failure ? '扣款失败' : '支付成功',
      originalType: 'transaction',
      associatedData: 'transaction',
      resource: transactionView(o),
    });
  }
}

function scheduleView(s: ScheduleRecord): Record<string, unknown> {
  return {
    contract_id: s.contract_id,
    schedule_state: s.schedule_state,
    schedule_amount: s.schedule_amount,
    deduct_start_date: s.deduct_start_date,
    deduct_end_date: s.deduct_end_date,
  };
}
