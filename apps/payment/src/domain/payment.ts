import { type PaymentStatus } from './payment-status';
import { type RefundStatus } from './refund-status';

export type Scene = 'ONLINE' | 'OFFLINE_QR' | 'CROSS_BORDER';
export type TradeType = 'JSAPI' | 'NATIVE';
export type RiskDecision = 'APPROVE' | 'REVIEW' | 'REJECT' | 'UNAVAILABLE';

/** The parameters `wx.requestPayment` needs, signed with the merchant key (not a secret). */
export interface JsapiPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export interface PayerAction {
  prepayId?: string;
  jsapi?: JsapiPayParams;
  codeUrl?: string;
  expiresAt: string;
}

/** A payment as stored. Amounts are integer minor units; there is never card data here, only the token. */
export interface Payment {
  id: string;
  outTradeNo: string;
  status: PaymentStatus;
  version: number;
  cardToken: string;
  amountMinor: number;
  currency: string;
  merchantId: string;
  mcc: string;
  scene: Scene;
  tradeType: TradeType;
  description: string;
  payerOpenid: string | null;
  payerIp: string | null;
  deviceId: string | null;
  riskDecision: RiskDecision | null;
  riskDecisionId: string | null;
  riskReasons: string[];
  authCode: string | null;
  channelRef: string | null;
  payerAction: PayerAction | null;
  orderExpiresAt: Date | null;
  wechatTransactionId: string | null;
  capturedMinor: number;
  refundedMinor: number;
  refundReservedMinor: number;
  failureCode: string | null;
  failureMessage: string | null;
  failureReasons: string[];
  /** Why the hold is being released: CANCELLED (the caller), or the order's fate (CLOSED, PAYERROR, EXPIRED, …). */
  reversalReason: string | null;
  cancelRequested: boolean;
  traceId: string;
  /** The W3C context of the call that created it: later steps (webhook, janitor) continue its trace. */
  traceparent: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Refund {
  id: string;
  paymentId: string;
  outRefundNo: string;
  status: RefundStatus;
  version: number;
  amountMinor: number;
  currency: string;
  reason: string | null;
  wechatRefundId: string | null;
  failureCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}
