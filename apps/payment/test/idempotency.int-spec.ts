import { randomUUID } from 'crypto';
import { GrpcStatus } from '@wxpay/grpc';
import { requestFingerprint } from '../src/idempotency/fingerprint';
import { IdempotencyConflictError, IdempotencyInProgressError } from '../src/idempotency/idempotency-errors';
import { CALLER, CoreHarness } from './support/core-harness';

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
    const again = await h.core.service.create({ ...input, traceId: 'another-trace' });
    expect(again).toEqual(first);
    const rows: unknown[] = await h.ds.query(`SELECT 1 FROM payment WHERE id = $1`, [
      (first.payment as { payment_id: string }).payment_id,
    ]);
    expect(rows).toHaveLength(1);
    expect(h.wechat.createCalls).toBe(1);
  });

  it('refuses the same key with different parameters, changing nothing', async () => {
    const input = h.input();
    await h.core.service.create(input);
    const before: { n: string }[] = await h.ds.query(`SELECT count(*) AS n FROM payment`);
    await expect(h.core.service.create({ ...input, amountMinor: 2000 })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    const after: { n: string }[] = await h.ds.query(`SELECT count(*) AS n FROM payment`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("keeps each caller's keys to itself: the same key from another service is another call", async () => {
    const input = h.input();
    const mine = await h.core.service.create(input);
    // Different parameters would be a conflict under one caller; under another caller they are its own payment.
    const theirs = await h.core.service.create({ ...input, caller: 'cn:another-service', amountMinor: 2000 });
    const idOf = (a: Record<string, unknown>) => (a.payment as { payment_id: string }).payment_id;
    expect(idOf(theirs)).not.toBe(idOf(mine));
    expect(theirs.payment).toMatchObject({ amount: { amount_minor: '2000' } });
    // Each caller still gets its own first answer back.
    expect(await h.core.service.create(input)).toEqual(mine);
    const records: { caller: string }[] = await h.ds.query(
      `SELECT caller FROM idempotency_record WHERE idempotency_key = $1 ORDER BY caller`,
      [input.idempotencyKey],
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
    for (const b of busy)
      expect((b as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyInProgressError);
    const payments: unknown[] = await h.ds.query(
      `SELECT 1 FROM idempotency_record WHERE idempotency_key = $1`,
      [input.idempotencyKey],
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
      caller: CALLER,
      idempotencyKey: `rf-${id}`,
      paymentId: id,
      amountMinor: 400,
      currency: 'CNY',
      reason: null,
    };
    const first = await h.core.service.refund(refund);
    expect(await h.core.service.refund(refund)).toEqual(first);
    await expect(h.core.service.refund({ ...refund, amountMinor: 500 })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    // A refusal before anything changed leaves no key behind: nothing to replay, the same error again.
    const tooMuch = { ...refund, idempotencyKey: `rf2-${id}`, amountMinor: 700 };
    await expect(h.core.service.refund(tooMuch)).rejects.toMatchObject({
      code: GrpcStatus.FAILED_PRECONDITION,
      reason: 'REFUND_EXCEEDS_AVAILABLE',
    });
    const keys: unknown[] = await h.ds.query(`SELECT 1 FROM idempotency_record WHERE idempotency_key = $1`, [
      tooMuch.idempotencyKey,
    ]);
    expect(keys).toHaveLength(0);
  });

  it('resumes a call whose first attempt died after creating the payment: it is driven on and answered', async () => {
    const input = h.input();
    const { caller, idempotencyKey, traceId: _t, ...params } = input;
    const ref = { caller, operation: 'CreatePayment', key: idempotencyKey };
    const paymentId = randomUUID();
    // What the first attempt left behind: the key and the payment, committed together, then nothing.
    await h.ds.transaction(async (m) => {
      await h.core.idempotency.claim(m, ref, requestFingerprint('CreatePayment', params), 0);
      await h.core.payments.insert(m, {
        ...params,
        id: paymentId,
        outTradeNo: paymentId.replace(/-/g, ''),
        traceId: 't',
      });
      await h.core.idempotency.setResource(m, ref, paymentId);
    });
    const resumed = await h.core.service.create(input);
    expect(resumed.payment).toMatchObject({ payment_id: paymentId, status: 'AWAITING_PAYER' });
    expect(await h.core.service.create(input)).toEqual(resumed);
  });
});
