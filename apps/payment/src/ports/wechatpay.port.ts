import { type JsapiPayParams, type TradeType } from '../domain/payment';

export interface OrderParams {
  outTradeNo: string;
  tradeType: TradeType;
  description: string;
  amountMinor: number;
  payerOpenid: string | null;
  payerIp: string | null;
  deviceId: string | null;
  /** RFC 3339; fixed at the first order so a re-post carries identical parameters. */
  timeExpire: string;
  /** Echoed by WeChat Pay: our payment id. */
  attach: string;
}

export interface CreatedOrder {
  prepayId?: string;
  codeUrl?: string;
}

export type TradeState =
  'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR' | 'ACCEPT' | 'PAY_FAIL';

export type OrderState =
  | { found: false }
  | {
      found: true;
      tradeState: TradeState;
      transactionId?: string;
      totalMinor?: number;
      successTime?: string;
    };

export type WechatRefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

export type RefundState =
  { found: false } | { found: true; status: WechatRefundStatus; refundId: string; amountMinor: number };

export interface RefundParams {
  outTradeNo: string;
  outRefundNo: string;
  amountMinor: number;
  totalMinor: number;
  reason: string | null;
}

/**
 * WeChat Pay as the lifecycle uses it. Writes throw CounterpartyRejectedError (definitive), OutcomeUnknownError
 * (may have happened: query first) or CounterpartyUnavailableError (reads only).
 */
export interface WechatPayPort {
  createOrder(params: OrderParams): Promise<CreatedOrder>;
  jsapiPayParams(prepayId: string): JsapiPayParams;
  queryOrder(outTradeNo: string): Promise<OrderState>;
  /** 'ALREADY_PAID' when WeChat Pay refuses to close because the payer paid. */
  closeOrder(outTradeNo: string): Promise<'CLOSED' | 'ALREADY_PAID'>;
  createRefund(params: RefundParams): Promise<RefundState & { found: true }>;
  queryRefund(outRefundNo: string): Promise<RefundState>;
}

export const WECHATPAY_PORT = Symbol('WECHATPAY_PORT');
