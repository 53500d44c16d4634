import { WechatPayApiError, type WechatPayClient, type Refund as WechatRefund } from '@wxpay/wechatpay';
import { type JsapiPayParams } from '../domain/payment';
import {
  CounterpartyRejectedError,
  CounterpartyUnavailableError,
  OutcomeUnknownError,
} from '../ports/port-errors';
import {
  type CreatedOrder,
  type OrderParams,
  type OrderState,
  type RefundParams,
  type RefundState,
  type WechatPayPort,
} from '../ports/wechatpay.port';

const WECHATPAY = 'wechatpay';

/** A 4xx other than 429 is WeChat Pay's definitive refusal; anything else may have been applied. */
function isRefusal(e: unknown): e is WechatPayApiError {
  return e instanceof WechatPayApiError && e.httpStatus >= 400 && e.httpStatus < 500 && e.httpStatus !== 429;
}

function isNotFound(e: unknown): boolean {
  return e instanceof WechatPayApiError && e.httpStatus === 404;
}

function unknownOutcome(e: unknown): OutcomeUnknownError {
  const kind = e instanceof Error ? e.name : 'error';
  return new OutcomeUnknownError(WECHATPAY, `no definitive answer (${kind})`);
}

function unavailable(e: unknown): CounterpartyUnavailableError {
  const detail =
    e instanceof WechatPayApiError ? `${e.httpStatus} ${e.code}` : e instanceof Error ? e.name : 'error';
  return new CounterpartyUnavailableError(WECHATPAY, `query failed (${detail})`);
}

function refundState(r: WechatRefund): RefundState & { found: true } {
  return { found: true, status: r.status, refundId: r.refund_id, amountMinor: r.amount.refund };
}

/** WechatPayPort over the typed client (signed requests, verified answers). */
export class WechatPayAdapter implements WechatPayPort {
  constructor(
    private readonly client: WechatPayClient,
    /** e.g. https://pay.example.com — our webhooks are below it. */
    private readonly notifyBaseUrl: string,
  ) {}

  async createOrder(o: OrderParams): Promise<CreatedOrder> {
    const base = {
      description: o.description,
      out_trade_no: o.outTradeNo,
      notify_url: `${this.notifyBaseUrl}/notify/wechatpay/transactions`,
      amount: { total: o.amountMinor, currency: 'CNY' as const },
      time_expire: o.timeExpire,
      attach: o.attach,
      ...(o.payerIp
        ? { scene_info: { payer_client_ip: o.payerIp, ...(o.deviceId ? { device_id: o.deviceId } : {}) } }
        : {}),
    };
    try {
      if (o.tradeType === 'JSAPI') {
        const r = await this.client.payments.createJsapiOrder({
          ...base,
          payer: { openid: o.payerOpenid ?? '' },
        });
        return { prepayId: r.prepay_id };
      }
      const r = await this.client.payments.createNativeOrder(base);
      return { codeUrl: r.code_url };
    } catch (e) {
      if (isRefusal(e)) throw new CounterpartyRejectedError(WECHATPAY, e.code, 'order refused');
      throw unknownOutcome(e);
    }
  }

  jsapiPayParams(prepayId: string): JsapiPayParams {
    return this.client.payments.jsapiInvokeParams(prepayId);
  }

  async queryOrder(outTradeNo: string): Promise<OrderState> {
    try {
      const t = await this.client.payments.queryByOutTradeNo(outTradeNo);
      return {
        found: true,
        tradeState: t.trade_state,
        transactionId: t.transaction_id,
        totalMinor: t.amount?.total,
        successTime: t.success_time,
      };
    } catch (e) {
      if (isNotFound(e)) return { found: false };
      throw unavailable(e);
    }
  }

  async closeOrder(outTradeNo: string): Promise<'CLOSED' | 'ALREADY_PAID'> {
    try {
      await this.client.payments.closeOrder(outTradeNo);
      return 'CLOSED';
    } catch (e) {
      if (isNotFound(e)) return 'CLOSED';
      if (!isRefusal(e)) throw unavailable(e);
      // WeChat Pay refuses to close a paid order; its code for that is not documented, so the order tells.
      const state = await this.queryOrder(outTradeNo);
      if (state.found && (state.tradeState === 'SUCCESS' || state.tradeState === 'REFUND'))
        return 'ALREADY_PAID';
      if (state.found && state.tradeState === 'CLOSED') return 'CLOSED';
      throw new CounterpartyRejectedError(WECHATPAY, e.code, 'close refused');
    }
  }

  async createRefund(r: RefundParams): Promise<RefundState & { found: true }> {
    try {
      const refund = await this.client.refunds.create({
        out_trade_no: r.outTradeNo,
        out_refund_no: r.outRefundNo,
        amount: { refund: r.amountMinor, total: r.totalMinor, currency: 'CNY' },
        notify_url: `${this.notifyBaseUrl}/notify/wechatpay/refunds`,
        ...(r.reason ? { reason: r.reason } : {}),
      });
      return refundState(refund);
    } catch (e) {
      if (isRefusal(e)) throw new CounterpartyRejectedError(WECHATPAY, e.code, 'refund refused');
      throw unknownOutcome(e);
    }
  }

  async queryRefund(outRefundNo: string): Promise<RefundState> {
    try {
      return refundState(await this.client.refunds.query(outRefundNo));
    } catch (e) {
      if (isNotFound(e)) return { found: false };
      throw unavailable(e);
    }
  }
}
