import { type ContractRecord, type OrderRecord, type RefundRecord } from '../store/sim-state';

const STATE_DESC: Record<OrderRecord['trade_state'], string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  REFUND: '订单发生过退款',
  CLOSED: '订单已关闭',
  PAYERROR: '支付失败，请重新下单支付',
  ACCEPT: '已接收，等待扣款',
  PAY_FAIL: '扣款失败',
};

/** The Transaction object (query answers and TRANSACTION.* resources). */
export function transactionView(o: OrderRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    trade_state: o.trade_state,
    trade_state_desc: o.trade_state_desc ?? STATE_DESC[o.trade_state],
    attach: o.attach ?? '',
    amount: { total: o.amount.total, currency: o.amount.currency, payer_currency: o.amount.currency },
  };
  if (o.trade_type === 'PAP') {
    view.trade_type = 'PAP';
    view.contract_id = o.contract_id;
  }
  if (o.transaction_id) {
    Object.assign(view, {
      transaction_id: o.transaction_id,
      trade_type: o.trade_type,
      bank_type: o.bank_type ?? 'OTHERS',
      success_time: o.success_time,
      payer: { openid: o.paid_by ?? o.payer_openid },
      amount: { ...(view.amount as object), payer_total: o.amount.total },
    });
  }
  return dropUndefined(view);
}

/** The Refund object of create and query answers (`status`). */
export function refundView(r: RefundRecord): Record<string, unknown> {
  return dropUndefined({
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: r.user_received_account ?? '支付用户零钱',
    success_time: r.success_time,
    create_time: r.create_time,
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: r.amount.total,
      refund: r.amount.refund,
      from: [],
      payer_total: r.amount.total,
      payer_refund: r.amount.refund,
      settlement_refund: r.amount.refund,
      settlement_total: r.amount.total,
      discount_refund: 0,
      currency: r.amount.currency,
      refund_fee: 0,
    },
  });
}

/** The REFUND.* resource: same facts, `refund_status`. */
export function refundNoticeView(r: RefundRecord, mchid: string): Record<string, unknown> {
  return dropUndefined({
    mchid,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    refund_status: r.status,
    success_time: r.success_time,
    user_received_account: r.user_received_account ?? '支付用户零钱',
    amount: {
      total: r.amount.total,
      refund: r.amount.refund,
      payer_total: r.amount.total,
      payer_refund: r.amount.refund,
    },
  });
}

export function contractView(c: ContractRecord): Record<string, unknown> {
  return dropUndefined({
    mchid: c.mchid,
    appid: c.appid,
    contract_id: c.contract_id,
    plan_id: c.plan_id,
    out_contract_code: c.out_contract_code,
    contract_display_account: c.contract_display_account,
    contract_state: c.contract_state,
    contract_signed_time: c.contract_signed_time,
    openid: c.openid,
    contract_terminate_info: c.contract_terminate_info,
  });
}

/** WeChat forbids nulls; absent facts are left out. */
function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
