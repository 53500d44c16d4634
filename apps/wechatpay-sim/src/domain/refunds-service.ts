import { type FaultInjector } from '../faults/fault-injector';
import { SimApiError, wechatErrors } from '../http/sim-api-error';
import { type KeyMaterial } from '../keys/key-material';
import { type NotificationDispatcher } from '../notifications/notification-dispatcher';
import { type SimSettings } from '../sim-settings';
import { type OrderRecord, type RefundRecord } from '../store/sim-state';
import { type StateStore } from '../store/state-store';
import { fingerprint } from './fingerprint';
import { newRefundId } from './ids';
import { type MerchantChecks } from './merchant-checks';
import { type RefundBody } from './request-schemas';
import { type SimTimers } from './sim-timers';
import { refundNoticeView, refundView } from './views';
import { beijingTime } from './wechat-time';

const MAX_REFUNDS_PER_ORDER = 50;

/**
 * Domestic refunds: answered PROCESSING, completed after a simulated delay (SUCCESS unless a fault planned
 * ABNORMAL/CLOSED), then a REFUND.* notification if the refund named a notify_url.
 */
export class RefundsService {
  constructor(
    private readonly store: StateStore,
    private readonly keys: KeyMaterial,
    private readonly checks: MerchantChecks,
    private readonly dispatcher: NotificationDispatcher,
    private readonly faults: FaultInjector,
    private readonly settings: SimSettings,
    private readonly timers: SimTimers,
  ) {}

  /** Re-arms refunds left PROCESSING by a previous run. */
  resume(): void {
    for (const r of Object.values(this.store.state.refunds)) {
      if (r.status === 'PROCESSING')
        this.timers.at(`refund:${r.out_refund_no}`, r.complete_at, () => this.complete(r.out_refund_no));
    }
  }

  create(body: RefundBody): Record<string, unknown> {
    this.checks.notifyUrl(body.notify_url, 'notify_url');
    const order = this.findOrder(body);
    const print = fingerprint(body);
    const existing = this.store.state.refunds[body.out_refund_no];
    if (existing) {
      // The same out_refund_no refunds once: a retry with identical parameters gets the same refund back.
      if (existing.fingerprint !== print)
        throw wechatErrors.invalidRequest('请求重入时，参数与首次请求时不一致');
      return refundView(existing);
    }
    if (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND') {
      throw wechatErrors.invalidRequest('订单状态不支持退款（未支付或已关闭）');
    }
    if (body.amount.total !== order.amount.total)
      throw wechatErrors.paramError('订单金额与原订单不一致', { field: '/amount/total', location: 'body' });
    if (order.refunded_total + body.amount.refund > order.amount.total) {
      throw new SimApiError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    }
    if (order.refund_count >= MAX_REFUNDS_PER_ORDER) throw wechatErrors.ruleLimit('退款次数超过限制');
    const record: RefundRecord = {
      out_refund_no: body.out_refund_no,
      refund_id: newRefundId(),
      out_trade_no: order.out_trade_no,
      transaction_id: order.transaction_id as string,
      fingerprint: print,
      amount: body.amount,
      notify_url: body.notify_url,
      reason: body.reason,
      create_time: beijingTime(),
      planned_outcome: this.faults.takeRefundOutcome(),
      complete_at: Date.now() + this.settings.scaledMs(this.settings.config.refundDelaySeconds),
      status: 'PROCESSING',
    };
    this.store.update((s) => {
      s.refunds[record.out_refund_no] = record;
      order.trade_state = 'REFUND';
      order.trade_state_desc = undefined;
      order.refunded_total += record.amount.refund; // reserved now, released if the refund closes
      order.refund_count += 1;
    });
    this.timers.at(`refund:${record.out_refund_no}`, record.complete_at, () =>
      this.complete(record.out_refund_no),
    );
    return refundView(record);
  }

  query(outRefundNo: string): Record<string, unknown> {
    const r = this.store.state.refunds[outRefundNo];
    if (!r) throw wechatErrors.resourceNotExists('退款单不存在');
    return refundView(r);
  }

  private complete(outRefundNo: string): void {
    const r = this.store.state.refunds[outRefundNo];
    if (!r || r.status !== 'PROCESSING') return;
    const order = this.store.state.orders[r.out_trade_no];
    this.store.update(() => {
      r.status = r.planned_outcome;
      if (r.status === 'SUCCESS') {
        r.success_time = beijingTime();
        r.user_received_account = order?.bank_type === 'OTHERS' ? '支付用户零钱' : '招商银行信用卡0403';
      }
      if (r.status === 'CLOSED' && order) order.refunded_total -= r.amount.refund;
    });
    if (!r.notify_url) return;
    const summary = { SUCCESS: '退款成功', CLOSED: '退款关闭', ABNORMAL: '退款异常' }[r.planned_outcome];
    this.dispatcher.enqueue({
      url: r.notify_url,
      eventType: `REFUND.${r.status}`,
      summary,
      originalType: 'refund',
      associatedData: 'refund',
      resource: refundNoticeView(r, this.keys.merchant.mchid),
    });
  }

  private findOrder(body: RefundBody): OrderRecord {
    const s = this.store.state;
    const outTradeNo =
      body.out_trade_no ?? (body.transaction_id ? s.transactionIndex[body.transaction_id] : undefined);
    const order = outTradeNo ? s.orders[outTradeNo] : undefined;
    if (!order || (body.transaction_id && order.transaction_id !== body.transaction_id)) {
      throw wechatErrors.resourceNotExists('订单不存在');
    }
    return order;
  }
}
