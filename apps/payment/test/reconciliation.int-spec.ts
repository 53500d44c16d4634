import { randomUUID } from 'crypto';
import { businessDateOf } from '../src/domain/ledger-accounts';
import { CoreHarness, refundNotice, transactionSuccess } from './support/core-harness';

jest.setTimeout(30_000);

describe('daily reconciliation (real PostgreSQL, stand-in counterparties)', () => {
  let h: CoreHarness;
  beforeAll(async () => {
    h = await CoreHarness.start('pay_recon');
  });
  afterAll(() => h.stop());

  async function captured(amountMinor = 1000): Promise<{ id: string; outTradeNo: string }> {
    const p = await h.create({ amount: CoreHarness.cny(amountMinor) });
    const outTradeNo = String(p.out_trade_no);
    h.wechat.pay(outTradeNo);
    await h.notify(transactionSuccess(outTradeNo, amountMinor));
    return { id: String(p.payment_id), outTradeNo };
  }

  it('matches a clean day and reports each planted break with its cause', async () => {
    const today = businessDateOf(new Date());
    const clean = await captured();
    const refunded = await captured(2000);
    const r = await h.core.service.refund({
      idempotency_key: randomUUID(),
      payment_id: refunded.id,
      amount: CoreHarness.cny(500),
      reason: '',
    });
    const outRefundNo = (r.refund as { out_refund_no: string }).out_refund_no;
    h.wechat.refundsByNo.get(outRefundNo)!.status = 'SUCCESS';
    await h.notify(refundNotice(refunded.outTradeNo, outRefundNo, 500, 'SUCCESS'), 'refunds');

    const before = await h.core.reconciliation.run(today);
    expect(before.breaks).toEqual([]);
    expect(before.matched).toBe(before.ledgerItems);

    // Planted: UnionPay settled a different amount for one capture and missed another; WeChat Pay says an order
    // we captured was closed; a payer paid an order we released.
    const short = await captured(3000);
    const missing = await captured(4000);
    const closed = await captured(5000);
    h.channel.settlementOverrides.set(short.id, 2990);
    h.channel.settlementOverrides.set(missing.id, null);
    h.wechat.orders.get(closed.outTradeNo)!.state = 'CLOSED';
    const released = await h.create({ amount: CoreHarness.cny(6000) });
    await h.core.service.cancel({
      idempotency_key: randomUUID(),
      payment_id: String(released.payment_id),
      reason: '',
    });
    h.wechat.orders.get(String(released.out_trade_no))!.state = 'SUCCESS';

    const report = await h.core.reconciliation.run(today);
    const got = report.breaks.map((b) => ({ kind: b.kind, source: b.source, reference: b.reference }));
    expect(got).toEqual(
      expect.arrayContaining([
        { kind: 'AMOUNT_DIFFERS', source: 'UNIONPAY', reference: short.id },
        { kind: 'MISSING_AT_UNIONPAY', source: 'UNIONPAY', reference: missing.id },
        { kind: 'STATUS_DIFFERS', source: 'WECHATPAY', reference: closed.outTradeNo },
        { kind: 'MISSING_IN_LEDGER', source: 'WECHATPAY', reference: String(released.out_trade_no) },
      ]),
    );
    expect(got).toHaveLength(4);
    expect(report.breaks.find((b) => b.reference === short.id)).toMatchObject({
      ledgerMinor: 3000,
      counterpartyMinor: 2990,
    });
    expect(clean.id).toBeDefined();
    const stored: { n: string }[] = await h.ds.query(
      `SELECT count(*) AS n FROM recon_break WHERE run_id = $1`,
      [report.runId],
    );
    expect(Number(stored[0]!.n)).toBe(4);

    // payment_reconciliation_breaks_total counts each break by kind and source (what the alert reads).
    const series = (await h.core.deps.metrics.reconciliationBreaks.get()).values;
    // Series exist from 0 before any break, so the first one is a rise the alert sees.
    expect(series.find((v) => v.labels.kind === 'MISSING_AT_WECHATPAY')?.value).toBe(0);
    const counted = series.filter((v) => v.value > 0);
    expect(counted.map((v) => [v.labels.kind, v.labels.source, v.value]).sort()).toEqual([
      ['AMOUNT_DIFFERS', 'UNIONPAY', 1],
      ['MISSING_AT_UNIONPAY', 'UNIONPAY', 1],
      ['MISSING_IN_LEDGER', 'WECHATPAY', 1],
      ['STATUS_DIFFERS', 'WECHATPAY', 1],
    ]);
  });
});
