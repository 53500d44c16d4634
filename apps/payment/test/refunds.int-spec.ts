import { randomUUID } from 'crypto';
import { GrpcStatus } from '@wxpay/grpc';
import { PAYMENT_ERROR_STATUS } from '../src/errors';
import { eventually } from '@wxpay/testing';
import { Accounts } from '../src/domain/ledger-accounts';
import { CoreHarness, refundNotice, TOKEN, transactionSuccess } from './support/core-harness';

jest.setTimeout(30_000);

describe('refunds (real PostgreSQL, stand-in counterparties)', () => {
  let h: CoreHarness;
  beforeAll(async () => {
    h = await CoreHarness.start('pay_refunds');
  });
  afterAll(() => h.stop());

  async function captured(): Promise<{ id: string; outTradeNo: string }> {
    const p = await h.create({ merchant_id: 'm-refunds' });
    const outTradeNo = String(p.out_trade_no);
    h.wechat.pay(outTradeNo);
    await h.notify(transactionSuccess(outTradeNo, 1000));
    return { id: String(p.payment_id), outTradeNo };
  }

  async function refund(id: string, amountMinor: number) {
    return h.core.service.refund({
      idempotency_key: `${id}-${amountMinor}-${randomUUID()}`,
      payment_id: id,
      amount: CoreHarness.cny(amountMinor),
      reason: 'partial',
    });
  }

  it('refunds in parts on both sides, finished by REFUND.SUCCESS, never beyond what was captured', async () => {
    const { id, outTradeNo } = await captured();
    const first = (await refund(id, 300)).refund as {
      refund_id: string;
      out_refund_no: string;
      status: string;
    };
    expect(first.status).toBe('REFUND_PROCESSING');
    const second = (await refund(id, 500)).refund as { refund_id: string; out_refund_no: string };
    expect(PAYMENT_ERROR_STATUS.REFUND_EXCEEDS_AVAILABLE).toBe(GrpcStatus.FAILED_PRECONDITION);
    await expect(refund(id, 201)).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_AVAILABLE' });

    // Out of order: the second refund's notification comes first.
    await h.notify(refundNotice(outTradeNo, second.out_refund_no, 500, 'SUCCESS'), 'refunds');
    expect((await h.payment(id)).status).toBe('PARTIALLY_REFUNDED');
    await h.notify(refundNotice(outTradeNo, first.out_refund_no, 300, 'SUCCESS'), 'refunds');
    const p = await h.payment(id);
    expect(p).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 800, refundReservedMinor: 800 });
    expect(h.channel.refunds.get(first.refund_id)?.amountMinor).toBe(300);
    expect(h.channel.refunds.get(second.refund_id)?.amountMinor).toBe(500);

    const last = (await refund(id, 200)).refund as { out_refund_no: string };
    await h.notify(refundNotice(outTradeNo, last.out_refund_no, 200, 'SUCCESS'), 'refunds');
    expect((await h.payment(id)).status).toBe('REFUNDED');
    const cardholder = await h.core.ledger.balance(h.ds, Accounts.cardholder(TOKEN));
    expect(await h.core.ledger.balance(h.ds, Accounts.merchant('m-refunds'))).toEqual(new Map([['CNY', 0]]));
    expect(cardholder.get('CNY')).toBeDefined();
    expect(await h.events(id)).toEqual(expect.arrayContaining(['PaymentRefundRequested', 'PaymentRefunded']));
    expect((await h.events(id)).filter((e) => e === 'PaymentRefunded')).toHaveLength(3);
  });

  it('releases the reserved amount when WeChat Pay closes the refund, without crediting the card', async () => {
    const { id, outTradeNo } = await captured();
    const r = (await refund(id, 400)).refund as { refund_id: string; out_refund_no: string };
    await h.notify(refundNotice(outTradeNo, r.out_refund_no, 400, 'CLOSED'), 'refunds');
    expect(await h.payment(id)).toMatchObject({
      status: 'CAPTURED',
      refundReservedMinor: 0,
      refundedMinor: 0,
    });
    expect(h.channel.refunds.has(r.refund_id)).toBe(false);
    expect(await h.core.ledger.balance(h.ds, Accounts.refundsPending)).toEqual(new Map([['CNY', 0]]));
    // A late REFUND.SUCCESS for the closed refund is refused, not applied.
    await h.notify(refundNotice(outTradeNo, r.out_refund_no, 400, 'SUCCESS'), 'refunds');
    expect((await h.payment(id)).refundedMinor).toBe(0);
  });

  it('asks WeChat Pay about a refund whose answer was lost before sending anything again', async () => {
    const { id } = await captured();
    h.wechat.refundBehaviour.push('lose-answer');
    const r = (await refund(id, 100)).refund as { refund_id: string; out_refund_no: string; status: string };
    expect(r.status).toBe('REFUND_UNKNOWN');
    // WeChat Pay did create it: the query finds it, nothing is re-sent, and then it succeeds.
    h.wechat.refundsByNo.get(r.out_refund_no)!.status = 'SUCCESS';
    await eventually(async () => {
      await h.core.janitor.tick();
      return (await h.core.refunds.find(h.ds, r.refund_id))?.status === 'REFUND_SUCCEEDED';
    }, 'refund resolved by query');
    expect((await h.payment(id)).refundedMinor).toBe(100);
  });

  it('refuses a refund of a payment that was not captured', async () => {
    const p = await h.create();
    expect(PAYMENT_ERROR_STATUS.INVALID_STATE).toBe(GrpcStatus.FAILED_PRECONDITION);
    await expect(refund(String(p.payment_id), 100)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});
