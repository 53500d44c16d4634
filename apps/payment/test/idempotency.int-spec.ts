import { randomUUID } from 'crypto';
import { GrpcStatus } from '@wxpay/grpc';
import { PAYMENT_ERROR_STATUS } from '../src/errors';
import { CALLER, CoreHarness, idempotentRequest } from './support/core-harness';

// The error model changed: the store's DomainErrors (codes IDEMPOTENCY_CONFLICT, IN_PROGRESS, answered
// ALREADY_EXISTS and ABORTED by libs/grpc) replace the service's own error classes.
const conflict = { code: 'IDEMPOTENCY_CONFLICT' };
const inProgress = { code: 'IN_PROGRESS' };

jest.setTimeout(30_000);

describe('idempotency of mutating calls (real PostgreSQL)', () => {
  let h: CoreHarness;
  beforeAll(async () => {
    h = await CoreHarness.start('pay_idem');
  });
  afterAll(() => h.stop());

  it('answers a repeated CreatePayment with the first answer, creating one payment', async () => {
    const input = h.input();
    const first = await h.core.service.create(input);
    const again = await h.core.service.create(input, { traceId: 'another-trace' });
    expect(again).toEqual(first);
    const rows: unknown[] = await h.ds.query(`SELECT 1 FROM payment WHERE id = $1`, [
      first.payment!.payment_id,
    ]);
    expect(rows).toHaveLength(1);
    expect(h.wechat.createCalls).toBe(1);
  });

  it('refuses the same key with different parameters, changing nothing', async () => {
    const input = h.input();
    await h.core.service.create(input);
    const before: { n: string }[] = await h.ds.query(`SELECT count(*) AS n FROM payment`);
    await expect(h.core.service.create({ ...input, amount: CoreHarness.cny(2000) })).rejects.toMatchObject(
      conflict,
    );
    const after: { n: string }[] = await h.ds.query(`SELECT count(*) AS n FROM payment`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("keeps each caller's keys to itself: the same key from another service is another call", async () => {
    const input = h.input();
    const mine = await h.core.service.create(input);
    // Different parameters would be a conflict under one caller; under another caller they are its own payment.
    const theirs = await h.core.service.create(
      { ...input, amount: CoreHarness.cny(2000) },
      { caller: 'cn:another-service' },
    );
    const idOf = (a: { payment?: { payment_id: string } }) => a.payment!.payment_id;
    expect(idOf(theirs)).not.toBe(idOf(mine));
    expect(theirs.payment).toMatchObject({ amount: { amount_minor: '2000' } });
    // Each caller still gets its own first answer back.
    expect(await h.core.service.create(input)).toEqual(mine);
    const records: { caller: string }[] = await h.ds.query(
      `SELECT caller FROM idempotency_record WHERE idempotency_key = $1 ORDER BY caller`,
      [input.idempotency_key],
    );
    expect(records.map((r) => r.caller)).toEqual(['cn:another-service', CALLER]);
  });

  it('tells concurrent duplicates the first call is in progress, then replays its answer', async () => {
    h.risk.delayMs = 300;
    const input = h.input();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => h.core.service.create(input)));
    h.risk.delayMs = 0;
    const ok = results.filter((r) => r.status === 'fulfilled');
    const busy = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(busy).toHaveLength(5);
    for (const b of busy) expect((b as PromiseRejectedResult).reason).toMatchObject(inProgress);
    const payments: unknown[] = await h.ds.query(
      `SELECT 1 FROM idempotency_record WHERE idempotency_key = $1`,
      [input.idempotency_key],
    );
    expect(payments).toHaveLength(1);
    expect(await h.core.service.create(input)).toEqual((ok[0] as PromiseFulfilledResult<unknown>).value);
  });

  it('replays a refusal too: the same refund key after the money ran out gets the same answer', async () => {
    const p = await h.create();
    const id = String(p.payment_id);
    h.wechat.pay(String(p.out_trade_no));
    await h.core.janitor.tick();
    await new Promise((r) => setTimeout(r, 150));
    await h.core.janitor.tick();
    expect((await h.payment(id)).status).toBe('CAPTURED');
    const refund = {
      idempotency_key: `rf-${id}`,
      payment_id: id,
      amount: CoreHarness.cny(400),
      reason: '',
    };
    const first = await h.core.service.refund(refund);
    expect(await h.core.service.refund(refund)).toEqual(first);
    await expect(h.core.service.refund({ ...refund, amount: CoreHarness.cny(500) })).rejects.toMatchObject(
      conflict,
    );
    // A refusal before anything changed leaves no key behind: nothing to replay, the same error again.
    const tooMuch = { ...refund, idempotency_key: `rf2-${id}`, amount: CoreHarness.cny(700) };
    expect(PAYMENT_ERROR_STATUS.REFUND_EXCEEDS_AVAILABLE).toBe(GrpcStatus.FAILED_PRECONDITION);
    await expect(h.core.service.refund(tooMuch)).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_AVAILABLE' });
    const keys: unknown[] = await h.ds.query(`SELECT 1 FROM idempotency_record WHERE idempotency_key = $1`, [
      tooMuch.idempotency_key,
    ]);
    expect(keys).toHaveLength(0);
  });

  it('resumes a call whose first attempt died after creating the payment: it is driven on and answered', async () => {
    const input = h.input();
    const ref = idempotentRequest('CreatePayment', input);
    const paymentId = randomUUID();
    // What the first attempt left behind: the key and the payment, committed together, then nothing.
    await h.ds.transaction(async (m) => {
      await h.core.idempotency.claim(m, ref, 0);
      await h.core.payments.insert(m, {
        id: paymentId,
        outTradeNo: paymentId.replace(/-/g, ''),
        cardToken: input.card_token,
        amountMinor: 1000,
        currency: 'CNY',
        merchantId: input.merchant_id,
        mcc: input.mcc,
        scene: 'ONLINE',
        tradeType: 'JSAPI',
        description: input.description,
        payerOpenid: input.payer!.openid,
        payerIp: input.payer!.ip,
        deviceId: input.device!.device_id,
        traceId: 't',
        traceparent: null,
      });
      await h.core.idempotency.setResource(m, ref, paymentId);
    });
    const resumed = await h.core.service.create(input);
    expect(resumed.payment).toMatchObject({ payment_id: paymentId, status: 'AWAITING_PAYER' });
    expect(await h.core.service.create(input)).toEqual(resumed);
  });
});
