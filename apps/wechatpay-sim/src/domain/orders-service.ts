import { createHash } from 'node:crypto';
import { decryptSensitiveField } from '@wxpay/wechatpay';
import { wechatErrors } from '../http/sim-api-error';
import { type KeyMaterial } from '../keys/key-material';
import { type NotificationDispatcher } from '../notifications/notification-dispatcher';
import { type OrderRecord } from '../store/sim-state';
import { type StateStore } from '../store/state-store';
import { fingerprint } from './fingerprint';
import { newCodeUrl, newPrepayId, newTransactionId } from './ids';
import { type MerchantChecks } from './merchant-checks';
import { type JsapiOrderBody, type OrderBody } from './request-schemas';
import { transactionView } from './views';
import { beijingTime } from './wechat-time';

export class PayerActionError extends Error {
  override readonly name = 'PayerActionError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSAPI and Native orders: create (idempotent re-post), query, close, and the payer's side of paying. */
export class OrdersService {
  constructor(
    private readonly store: StateStore,
    private readonly keys: KeyMaterial,
    private readonly checks: MerchantChecks,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  createJsapi(
    body: JsapiOrderBody,
    authMchid: string,
    wechatpaySerial: string | undefined,
  ): { prepay_id: string } {
    let identityDigest: string | undefined;
    if (body.payer.identity) identityDigest = this.decryptIdentity(body.payer.identity, wechatpaySerial);
    const { identity: _ciphertexts, ...payer } = body.payer;
    this.upsert('JSAPI', { ...body, payer, identityDigest }, body, authMchid, body.payer.openid);
    return { prepay_id: newPrepayId() };
  }

  createNative(body: OrderBody, authMchid: string): { code_url: string } {
    this.upsert('NATIVE', body, body, authMchid, undefined);
    return { code_url: newCodeUrl() };
  }

  query(outTradeNo: string, mchid: string | undefined): Record<string, unknown> {
    this.checks.mchid(mchid);
    return transactionView(this.get(outTradeNo));
  }

  queryByTransactionId(transactionId: string, mchid: string | undefined): Record<string, unknown> {
    this.checks.mchid(mchid);
    const outTradeNo = this.store.state.transactionIndex[transactionId];
    if (!outTradeNo) throw wechatErrors.orderNotExist();
    return transactionView(this.get(outTradeNo));
  }

  /** Closing an unpaid order (or a closed one again) succeeds; a paid one cannot be closed (assumption: 400). */
  close(outTradeNo: string, mchid: string): void {
    this.checks.mchid(mchid);
    const o = this.get(outTradeNo);
    if (o.trade_state === 'CLOSED') return;
    if (o.trade_type === 'PAP' || o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') {
      throw wechatErrors.invalidRequest('订单已支付或不可关闭');
    }
    this.store.update(() => {
      o.trade_state = 'CLOSED';
      o.trade_state_desc = undefined;
    });
  }

  get(outTradeNo: string): OrderRecord {
    const o = this.store.state.orders[outTradeNo];
    if (!o) throw wechatErrors.orderNotExist();
    return o;
  }

  /** The payer confirms: SUCCESS and a TRANSACTION.SUCCESS notification. */
  pay(outTradeNo: string, openid: string | undefined, bankType: string | undefined): Record<string, unknown> {
    const o = this.payable(outTradeNo);
    if (o.payer_openid && openid && openid !== o.payer_openid) {
      throw new PayerActionError('OPENID_MISMATCH', 'this JSAPI order belongs to another payer');
    }
    const transactionId = newTransactionId();
    this.store.update((s) => {
      o.trade_state = 'SUCCESS';
      o.trade_state_desc = undefined;
      o.transaction_id = transactionId;
      o.success_time = beijingTime();
      o.bank_type = bankType ?? 'OTHERS';
      o.paid_by = o.payer_openid ?? openid ?? 'oSimPayer0000000000000000001';
      s.transactionIndex[transactionId] = o.out_trade_no;
    });
    this.dispatcher.enqueue({
      url: o.notify_url,
      eventType: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      originalType: 'transaction',
      associatedData: 'transaction',
      resource: transactionView(o),
    });
    return transactionView(o);
  }

  /** Bank-side failure: PAYERROR, and (as for real ordinary payments) no notification. */
  fail(outTradeNo: string, reason: string | undefined): Record<string, unknown> {
    const o = this.payable(outTradeNo);
    this.store.update(() => {
      o.trade_state = 'PAYERROR';
      o.trade_state_desc = reason ?? '支付失败，请重新下单支付';
    });
    return transactionView(o);
  }

  /** The payer's balance or card was short: the cashier refuses, the order stays NOTPAY. */
  insufficientBalance(outTradeNo: string): never {
    this.payable(outTradeNo);
    throw new PayerActionError('NOT_ENOUGH', '用户余额不足，订单保持未支付');
  }

  private payable(outTradeNo: string): OrderRecord {
    const o = this.store.state.orders[outTradeNo];
    if (!o) throw new PayerActionError('ORDER_NOT_EXIST', 'no such order');
    if (o.trade_type === 'PAP')
      throw new PayerActionError('INVALID_REQUEST', 'deductions are paid by the contract');
    if (o.trade_state !== 'NOTPAY')
      throw new PayerActionError('ORDER_NOT_PAYABLE', `order is ${o.trade_state}`);
    return o;
  }

  private upsert(
    tradeType: 'JSAPI' | 'NATIVE',
    canonicalBody: Record<string, unknown>,
    body: OrderBody,
    authMchid: string,
    payerOpenid: string | undefined,
  ): void {
    if (body.mchid !== authMchid)
      throw wechatErrors.invalidRequest('请求参数mchid与Authorization中的商户号不一致');
    this.checks.appid(body.appid);
    this.checks.notifyUrl(body.notify_url, 'notify_url');
    const print = fingerprint({ tradeType, ...canonicalBody });
    const existing = this.store.state.orders[body.out_trade_no];
    if (existing) {
      if (existing.fingerprint !== print)
        throw wechatErrors.invalidRequest('请求重入时，参数与首次请求时不一致');
      if (existing.trade_state === 'CLOSED') throw wechatErrors.orderClosed();
      // Assumption (sheet §11): re-ordering a paid order answers 400 INVALID_REQUEST.
      if (existing.trade_state !== 'NOTPAY') throw wechatErrors.invalidRequest('该订单已支付');
      return;
    }
    const record: OrderRecord = {
      out_trade_no: body.out_trade_no,
      appid: body.appid,
      mchid: body.mchid,
      trade_type: tradeType,
      fingerprint: print,
      description: body.description,
      notify_url: body.notify_url,
      amount: { total: body.amount.total, currency: body.amount.currency },
      attach: body.attach,
      payer_openid: payerOpenid,
      created_at: beijingTime(),
      trade_state: 'NOTPAY',
      refunded_total: 0,
      refund_count: 0,
    };
    this.store.update((s) => {
      s.orders[record.out_trade_no] = record;
    });
  }

  /** Sensitive fields must decrypt with the key `Wechatpay-Serial` names; only a digest is kept. */
  private decryptIdentity(
    identity: { type: string; number: string; name: string },
    serial: string | undefined,
  ): string {
    const key = this.keys.decryptionKey(serial);
    if (!key)
      throw wechatErrors.paramError('平台私钥解密失败', { field: 'Wechatpay-Serial', location: 'header' });
    try {
      const plain = `${identity.type}|${decryptSensitiveField(identity.number, key)}|${decryptSensitiveField(identity.name, key)}`;
      return createHash('sha256').update(plain).digest('hex');
    } catch {
      throw wechatErrors.paramError('平台私钥解密失败', { field: '/payer/identity', location: 'body' });
    }
  }
}
