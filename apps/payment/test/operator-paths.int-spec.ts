import { randomUUID } from 'crypto';
import { DomainError } from '@wxpay/contracts';
import { businessDateOf } from '../src/domain/ledger-accounts';
import { CoreHarness, transactionSuccess } from './support/core-harness';

jest.setTimeout(30_000);

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('the call succeeded but was expected to be refused');
}

/** The console's operator paths on the payment service (real PostgreSQL, stand-in counterparties). */
describe('operator paths: a refused capture retried, a reconciliation break resolved', () => {
  let h: CoreHarness;
  beforeAll(async () => {
    h = await CoreHarness.start('pay_operator');
  });
  afterAll(() => h.stop());

  /** A payment the payer paid whose completion the channel refused once. */
  async function captureRefused(amountMinor = 1000): Promise<{ id: string; outTradeNo: string }> {
    const p = await h.create({ amount: CoreHarness.cny(amountMinor) });
    const outTradeNo = String(p.out_trade_no);
    h.wechat.pay(outTradeNo);
    h.channel.completeBehaviour = ['decline'];
    await h.notify(transactionSuccess(outTradeNo, amountMinor));
    return { id: String(p.payment_id), outTradeNo };
  }

  async function captures(paymentId: string): Promise<number> {
    const rows: unknown[] = await h.ds.query(
      `SELECT 1 FROM ledger_transaction WHERE kind = 'CAPTURE' AND payment_id = $1`,
      [paymentId],
    );
    return rows.length;
  }

  it('captures a CAPTURE_FAILED payment once when an operator retries it, recording who and why', async () => {
    const { id } = await captureRefused();
    expect(await h.payment(id)).toMatchObject({ status: 'CAPTURE_FAILED', failureCode: 'CAPTURE_DECLINED' });
    expect(await captures(id)).toBe(0);

    const request = {
      idempotency_key: randomUUID(),
      payment_id: id,
      operator: 'ops.alice',
      reason: 'issuer confirmed the hold is good',
    };
    const retried = await h.core.service.retryCapture(request);
    expect(retried.status).toBe('CAPTURED');
    expect(retried.failure).toBeUndefined();
    expect(h.channel.holds.get(id)?.completions).toBe(1);
    expect(await captures(id)).toBe(1);
    expect((await h.history(id)).slice(-2)).toEqual([
      { to: 'PAYER_PAID', actor: 'operator:ops.alice', reason: 'issuer confirmed the hold is good' },
      { to: 'CAPTURED', actor: 'capture-step', reason: null },
    ]);
    expect((await h.events(id)).slice(-3)).toEqual([
      'PaymentStatusChanged', // → CAPTURE_FAILED
      'PaymentStatusChanged', // → PAYER_PAID, the operator's
      'PaymentCaptured',
    ]);

    // The same call again answers the same and asks the channel nothing; another retry finds nothing to retry.
    const calls = h.channel.completeCalls;
    expect(await h.core.service.retryCapture(request)).toEqual(retried);
    expect(h.channel.completeCalls).toBe(calls);
    const again = await refusal(h.core.service.retryCapture({ ...request, idempotency_key: randomUUID() }));
    expect(again.code).toBe('INVALID_STATE');
    expect(await captures(id)).toBe(1);
  });

  it('answers CAPTURE_FAILED again, with the new response code, when the channel refuses the retry too', async () => {
    const { id } = await captureRefused();
    h.channel.completeBehaviour = ['decline'];
    const retried = await h.core.service.retryCapture({
      idempotency_key: randomUUID(),
      payment_id: id,
      operator: 'ops.bob',
      reason: 'second try',
    });
    expect(retried).toMatchObject({
      status: 'CAPTURE_FAILED',
      failure: { code: 'CAPTURE_DECLINED', reasons: ['05'] },
    });
    expect(await captures(id)).toBe(0);
  });

  it('refuses to retry the capture of a payment that is not CAPTURE_FAILED, changing nothing', async () => {
    const p = await h.create();
    const id = String(p.payment_id);
    const before = await h.history(id);
    const e = await refusal(
      h.core.service.retryCapture({
        idempotency_key: randomUUID(),
        payment_id: id,
        operator: 'ops.alice',
        reason: 'mistake',
      }),
    );
    expect(e.code).toBe('INVALID_STATE');
    expect(await h.history(id)).toEqual(before);
    expect((await h.payment(id)).status).toBe('AWAITING_PAYER');
  });

  it('resolves a reconciliation break once, with the operator and the note kept on the break', async () => {
    const today = businessDateOf(new Date());
    const p = await h.create({ amount: CoreHarness.cny(3000) });
    h.wechat.pay(String(p.out_trade_no));
    await h.notify(transactionSuccess(String(p.out_trade_no), 3000));
    h.channel.settlementOverrides.set(String(p.payment_id), 2990);
    const report = await h.core.reconciliation.run(today);
    const found = report.breaks.find((b) => b.reference === p.payment_id)!;
    expect(found).toMatchObject({ kind: 'AMOUNT_DIFFERS', id: expect.stringMatching(/^\d+$/) });
    expect(found.resolution).toBeUndefined();
    const listed = await h.core.service.listBreaks({});
    expect(listed.breaks.find((b) => b.break_id === found.id)).toMatchObject({
      kind: 'AMOUNT_DIFFERS',
      business_date: today,
    });

    const request = {
      idempotency_key: randomUUID(),
      break_id: found.id!,
      operator: 'ops.carol',
      note: 'UnionPay fee of 10 fen booked by finance',
    };
    const resolved = await h.core.service.resolveBreak(request);
    expect(resolved).toMatchObject({
      break_id: found.id,
      kind: 'AMOUNT_DIFFERS',
      reference: p.payment_id,
      resolution: { operator: 'ops.carol', note: 'UnionPay fee of 10 fen booked by finance' },
    });
    expect(Date.parse(resolved.resolution!.resolved_at)).not.toBeNaN();
    expect(await h.core.service.resolveBreak(request)).toEqual(resolved);

    // Open breaks only by default; the resolved one is listed when asked for, with its resolution and day.
    const open = await h.core.service.listBreaks({});
    expect(open.breaks.map((b) => b.break_id)).not.toContain(found.id);
    const all = await h.core.service.listBreaks({ include_resolved: true, business_date: today });
    expect(all.breaks.find((b) => b.break_id === found.id)).toMatchObject({
      business_date: today,
      resolution: { operator: 'ops.carol' },
    });

    const twice = await refusal(
      h.core.service.resolveBreak({ ...request, idempotency_key: randomUUID(), operator: 'ops.dave' }),
    );
    expect(twice.code).toBe('ALREADY_RESOLVED');
    expect(twice.message).toContain('ops.carol');
    const [row] = (await h.ds.query(`SELECT resolved_by FROM recon_break WHERE id = $1`, [found.id])) as {
      resolved_by: string;
    }[];
    expect(row!.resolved_by).toBe('ops.carol');
  });

  it('lists breaks newest first, a page at a time, each page bound to its filters', async () => {
    const today = businessDateOf(new Date());
    for (const amount of [1100, 1200, 1300]) {
      const p = await h.create({ amount: CoreHarness.cny(amount) });
      h.wechat.pay(String(p.out_trade_no));
      await h.notify(transactionSuccess(String(p.out_trade_no), amount));
      h.channel.settlementOverrides.set(String(p.payment_id), amount - 1);
    }
    await h.core.reconciliation.run(today);
    const first = await h.core.service.listBreaks({ limit: 2 });
    expect(first.breaks).toHaveLength(2);
    expect(Number(first.breaks[0]!.break_id)).toBeGreaterThan(Number(first.breaks[1]!.break_id));
    const second = await h.core.service.listBreaks({ limit: 2, page_token: first.next_page_token });
    expect(Number(second.breaks[0]!.break_id)).toBeLessThan(Number(first.breaks[1]!.break_id));
    await expect(
      h.core.service.listBreaks({ limit: 2, include_resolved: true, page_token: first.next_page_token }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'page_token' });
  });

  it('answers BREAK_NOT_FOUND for a break that does not exist', async () => {
    const e = await refusal(
      h.core.service.resolveBreak({
        idempotency_key: randomUUID(),
        break_id: '999999999',
        operator: 'ops.carol',
        note: 'n/a',
      }),
    );
    expect(e).toMatchObject({ code: 'BREAK_NOT_FOUND', field: 'break_id' });
  });
});
