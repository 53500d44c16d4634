import { containsPan } from '@wxpay/card';
import { wechatPayNotificationPayloadSchemas } from '@wxpay/contracts';
import { uniqueTestPan } from '@wxpay/testing';
import { type NotificationMeta, type VerifiedNotification } from '@wxpay/wechatpay';
import { inboxEntryOf } from '../src/domain/notification-facts';

const meta: NotificationMeta = {
  id: 'EV-2018022511223320873',
  createTime: '2026-11-25T21:49:36+08:00',
  eventType: 'TRANSACTION.SUCCESS',
  summary: '支付成功',
  originalType: 'transaction',
  serial: 'PUB_KEY_ID_0119000001092025111100000000',
  keyKind: 'public-key',
  timestamp: 1764078576,
  nonce: 'n'.repeat(32),
};
const at = new Date('2026-11-25T13:49:37.000Z');

/** A REFUND.SUCCESS notification for `outTradeNo` with the given refund fields changed. */
function refundNotice(outTradeNo: string, over: Record<string, string> = {}): VerifiedNotification {
  return {
    kind: 'refund',
    eventType: 'REFUND.SUCCESS',
    meta: { ...meta, eventType: 'REFUND.SUCCESS', originalType: 'refund' },
    refund: {
      mchid: '1900000109',
      transaction_id: '4200000000202611250000000001',
      out_trade_no: outTradeNo,
      refund_id: '50000000382019052709732678859',
      out_refund_no: 'R1',
      refund_status: 'SUCCESS',
      user_received_account: '招商银行信用卡0403',
      amount: { total: 1000, refund: 300, payer_total: 1000, payer_refund: 300 },
      ...over,
    },
  };
}

describe('notification facts', () => {
  it('maps a payment notification to camelCase facts valid against the published schema', () => {
    const n: VerifiedNotification = {
      kind: 'transaction',
      eventType: 'TRANSACTION.SUCCESS',
      meta,
      transaction: {
        appid: 'wx8888888888888888',
        mchid: '1900000109',
        out_trade_no: 'a'.repeat(32),
        transaction_id: '4200000000202611250000000001',
        trade_type: 'JSAPI',
        trade_state: 'SUCCESS',
        bank_type: 'CMB_CREDIT',
        success_time: '2026-11-25T21:49:35+08:00',
        payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
        amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' },
      },
    };
    const e = inboxEntryOf(n, 'transactions', at);
    expect(e.businessKey).toBe(`TRANSACTION.SUCCESS:${'a'.repeat(32)}:SUCCESS`);
    expect(e.aggregateRef).toBe('a'.repeat(32));
    expect(wechatPayNotificationPayloadSchemas.WechatPayTransactionNotified.parse(e.facts)).toEqual(e.facts);
    expect(JSON.stringify(e.facts)).not.toContain('ciphertext');
  });

  it("masks a card number in the counterparty's free text before it is stored or published, and keeps ids", () => {
    const pan = uniqueTestPan('622202', 16);
    const grouped = pan.match(/.{4}/g)!.join(' ');
    const n: VerifiedNotification = {
      kind: 'transaction',
      eventType: 'TRANSACTION.SUCCESS',
      meta: { ...meta, summary: `paid with ${pan}` },
      transaction: {
        appid: 'wx8888888888888888',
        mchid: '1900000109',
        out_trade_no: 'c'.repeat(32),
        transaction_id: '4200000000202611250000000001',
        trade_type: 'JSAPI',
        trade_state: 'SUCCESS',
        trade_state_desc: `card ${grouped}`,
        attach: `order for ${pan}`,
        amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' },
      },
    };
    const facts = inboxEntryOf(n, 'transactions', at).facts;
    const transaction = facts.transaction as Record<string, string>;
    for (const text of [facts.summary, transaction.tradeStateDesc, transaction.attach]) {
      expect(containsPan(String(text))).toBe(false);
    }
    expect(JSON.stringify(facts)).not.toContain(pan.slice(6, 12));
    expect(facts).toMatchObject({
      summary: `paid with ${pan.slice(0, 6)}******${pan.slice(-4)}`,
      transaction: {
        transactionId: '4200000000202611250000000001',
        attach: expect.stringMatching(/^order for 622202\*{6}/),
      },
    });

    const refund = inboxEntryOf(
      refundNotice('c'.repeat(32), { out_refund_no: 'R2', user_received_account: `招商银行信用卡${pan}` }),
      'refunds',
      at,
    );
    expect(containsPan(String((refund.facts.refund as Record<string, string>).userReceivedAccount))).toBe(
      false,
    );
    expect(JSON.stringify(refund.facts)).not.toContain(pan.slice(6, 12));
  });

  it('keys a refund by its out_refund_no and its payment by out_trade_no', () => {
    const n = refundNotice('b'.repeat(32));
    const e = inboxEntryOf(n, 'refunds', at);
    expect(e.businessKey).toBe('REFUND.SUCCESS:R1');
    expect(e.aggregateRef).toBe('b'.repeat(32));
    expect(wechatPayNotificationPayloadSchemas.WechatPayRefundNotified.parse(e.facts)).toEqual(e.facts);
  });

  it('keys a contract by id and state, and keeps only field names of unknown resources', () => {
    const contract: VerifiedNotification = {
      kind: 'contract',
      eventType: 'ENTRUST.SIGN',
      meta: { ...meta, eventType: 'ENTRUST.SIGN' },
      contract: {
        mchid: '1900000109',
        appid: 'wx8888888888888888',
        contract_id: 'C1',
        plan_id: '12535',
        out_contract_code: 'OC1',
        contract_state: 'SIGNED',
      },
    };
    const c = inboxEntryOf(contract, 'papay', at);
    expect(c.businessKey).toBe('ENTRUST.SIGN:C1:SIGNED');
    expect(wechatPayNotificationPayloadSchemas.WechatPayContractNotified.parse(c.facts)).toEqual(c.facts);

    const other: VerifiedNotification = {
      kind: 'unrecognized',
      eventType: 'SOMETHING.NEW',
      meta: { ...meta, eventType: 'SOMETHING.NEW' },
      resource: { card_no: '6222021234567890123', x: 1 },
    };
    const o = inboxEntryOf(other, 'transactions', at);
    expect(JSON.stringify(o.facts)).not.toContain('6222021234567890123');
    expect(wechatPayNotificationPayloadSchemas.WechatPayNotificationReceived.parse(o.facts)).toMatchObject({
      resourceFields: ['card_no', 'x'],
    });
  });
});
