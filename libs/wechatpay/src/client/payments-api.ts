import { sensitiveFieldCipher } from '../crypto/sensitive-field';
import { assertNoCardNumber } from '../models/free-text';
import { assertFen, CURRENCY_CNY } from '../models/money';
import { codeUrlSchema, prepayIdSchema, transactionSchema, type Transaction } from '../models/transaction';
import { type JsapiInvokeParams } from '../signing/merchant-signer';
import { type CallOptions, type MerchantContext } from './merchant-context';
import { optional } from './optional-fields';
import { pathSegment } from './wechatpay-http';

export type LimitPay = 'no_balance' | 'no_credit' | 'no_debit' | 'balance_only';

export interface OrderRequest {
  /** ≤127 characters. */
  readonly description: string;
  /** 6–32 of [0-9A-Za-z_-|*], unique per merchant; re-posting identical parameters is safe. */
  readonly out_trade_no: string;
  /** HTTPS, no query string. */
  readonly notify_url: string;
  /** Integer fen. */
  readonly amount: { readonly total: number; readonly currency?: 'CNY' };
  readonly attach?: string;
  /** RFC 3339 with offset. */
  readonly time_expire?: string;
  readonly goods_tag?: string;
  readonly limit_pay?: readonly LimitPay[];
  readonly support_fapiao?: boolean;
  readonly scene_info?: {
    readonly payer_client_ip: string;
    readonly device_id?: string;
  };
}

/** Plaintext real-name check data; encrypted (RSA-OAEP) by the client before sending. Assumption: v3 field names. */
export interface PayerIdentity {
  readonly type: 'IDCARD';
  readonly number: string;
  readonly name: string;
}

export interface JsapiOrderRequest extends OrderRequest {
  readonly payer: { readonly openid: string; readonly identity?: PayerIdentity };
}

/** JSAPI / Mini Program and Native orders, queries and close. */
export class PaymentsApi {
  constructor(private readonly ctx: MerchantContext) {}

  /** `POST /v3/pay/transactions/jsapi` → prepay_id (valid 2 h). */
  async createJsapiOrder(
    order: JsapiOrderRequest,
    options: CallOptions = {},
  ): Promise<{ prepay_id: string }> {
    let headers: Record<string, string> | undefined;
    let payer: Record<string, unknown> = { openid: order.payer.openid };
    if (order.payer.identity) {
      const cipher = sensitiveFieldCipher(this.ctx.keyStore, this.ctx.clock);
      const { type, number, name } = order.payer.identity;
      payer = { ...payer, identity: { type, number: cipher.encrypt(number), name: cipher.encrypt(name) } };
      headers = { 'Wechatpay-Serial': cipher.serial };
    }
    return this.ctx.caller.json(
      {
        method: 'POST',
        path: '/v3/pay/transactions/jsapi',
        body: { ...this.orderBody(order), payer },
        headers,
        retry: 'keyed',
        signal: options.signal,
      },
      prepayIdSchema,
    );
  }

  /** `POST /v3/pay/transactions/native` → code_url for the QR code. */
  async createNativeOrder(order: OrderRequest, options: CallOptions = {}): Promise<{ code_url: string }> {
    return this.ctx.caller.json(
      {
        method: 'POST',
        path: '/v3/pay/transactions/native',
        body: this.orderBody(order),
        retry: 'keyed',
        signal: options.signal,
      },
      codeUrlSchema,
    );
  }

  /** What the payer's Mini Program passes to `wx.requestPayment` (signed with the merchant key). */
  jsapiInvokeParams(prepayId: string): JsapiInvokeParams {
    return this.ctx.signer.jsapiInvokeParams(this.ctx.appid, prepayId);
  }

  /** The only query that works for unpaid orders. Also used for papay deductions (trade_type PAP). */
  async queryByOutTradeNo(outTradeNo: string, options: CallOptions = {}): Promise<Transaction> {
    return this.ctx.caller.json(
      {
        method: 'GET',
        path: `/v3/pay/transactions/out-trade-no/${pathSegment(outTradeNo)}`,
        query: { mchid: this.ctx.mchid },
        retry: 'safe',
        signal: options.signal,
      },
      transactionSchema,
    );
  }

  async queryByTransactionId(transactionId: string, options: CallOptions = {}): Promise<Transaction> {
    return this.ctx.caller.json(
      {
        method: 'GET',
        path: `/v3/pay/transactions/id/${pathSegment(transactionId)}`,
        query: { mchid: this.ctx.mchid },
        retry: 'safe',
        signal: options.signal,
      },
      transactionSchema,
    );
  }

  /** `POST …/close` → 204. Closing twice is harmless, so it is retried like a keyed write. */
  async closeOrder(outTradeNo: string, options: CallOptions = {}): Promise<void> {
    await this.ctx.caller.noContent({
      method: 'POST',
      path: `/v3/pay/transactions/out-trade-no/${pathSegment(outTradeNo)}/close`,
      body: { mchid: this.ctx.mchid },
      retry: 'keyed',
      signal: options.signal,
    });
  }

  private orderBody(order: OrderRequest): Record<string, unknown> {
    assertFen(order.amount.total, 'amount.total');
    assertNoCardNumber(order.description, 'description');
    assertNoCardNumber(order.attach, 'attach');
    return {
      appid: this.ctx.appid,
      mchid: this.ctx.mchid,
      description: order.description,
      out_trade_no: order.out_trade_no,
      notify_url: order.notify_url,
      amount: { total: order.amount.total, currency: order.amount.currency ?? CURRENCY_CNY },
      ...optional({
        attach: order.attach,
        time_expire: order.time_expire,
        goods_tag: order.goods_tag,
        limit_pay: order.limit_pay,
        support_fapiao: order.support_fapiao,
        scene_info: order.scene_info,
      }),
    };
  }
}
