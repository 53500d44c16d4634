import { Topics } from '@wxpay/contracts';
import { randomUUID } from 'crypto';
import { eventually } from '@wxpay/testing';
import { inboxEntryOf } from '../src/domain/notification-facts';
import { KeyTransactionNoticesByState1733600000000 } from '../src/persistence/migrations/key-transaction-notices-by-state.migration';
import { WebhookInboxWorker } from '../src/jobs/webhook-inbox.worker';
import { PaymentMetrics } from '../src/payment-metrics';
import { WebhookInboxRepository } from '../src/persistence/webhook-inbox.repository';
import { WebhookInboxWriter } from '../src/persistence/webhook-inbox.writer';
import { NotificationApplier } from '../src/use-cases/webhooks/notification-applier';
import { CoreHarness, refundNotice, transactionSuccess } from './support/core-harness';

jest.setTimeout(30_000);

describe('webhook inbox: duplicates, order, and what is applied (real PostgreSQL)', () => {
  let h: CoreHarness;
  beforeAll(async () => {
    h = await CoreHarness.start('pay_inbox');
  });
  afterAll(() => h.stop());

  async function awaiting(): Promise<{ id: string; outTradeNo: string }> {
    const p = await h.create();
    return { id: String(p.payment_id), outTradeNo: String(p.out_trade_no) };
  }

  /** A row whose facts cannot make a valid event (as if written by an older version): it fails on its own. */
  async function insertBadRow(): Promise<void> {
    await h.ds.query(
      `INSERT INTO webhook_inbox (notification_id, business_key, endpoint, event_type, aggregate_ref, fact_type, facts)
       VALUES ($1, $1, 'transactions', 'TRANSACTION.SUCCESS', $1, 'not a type', '{}')`,
      [`bad-${randomUUID()}`],
    );
  }

  async function facts(outTradeNo: string): Promise<string[]> {
    const rows: { t: string }[] = await h.ds.query(
      `SELECT envelope->>'type' AS t FROM outbox_event WHERE topic = $1 AND message_key = $2 ORDER BY seq`,
      [Topics.wechatpayNotifications.name, outTradeNo],
    );
    return rows.map((r) => r.t);
  }

  it('stores a notification once, whether re-delivered, re-sent under a new id, or sent concurrently', async () => {
    const { id, outTradeNo } = await awaiting();
    h.wechat.pay(outTradeNo);
    const n = transactionSuccess(outTradeNo, 1000);
    const writer = new WebhookInboxWriter(h.ds, { maxConcurrent: 1 });
    const entry = inboxEntryOf(n, 'transactions', new Date());
    const again = inboxEntryOf(transactionSuccess(outTradeNo, 1000), 'transactions', new Date());
    // Eight copies at once (one group-committed batch) and a copy under another notification id.
    const outcomes = await Promise.all([
      ...Array.from({ length: 8 }, () => writer.store(entry)),
      writer.store(again),
    ]);
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(8);
    await h.core.worker.drainOnce();
    expect((await h.payment(id)).status).toBe('CAPTURED');
    expect(h.channel.holds.get(id)?.completions).toBe(1);
    expect(await facts(outTradeNo)).toEqual(['WechatPayTransactionNotified']);
    expect((await h.events(id)).filter((e) => e === 'PaymentCaptured')).toHaveLength(1);
  });

  it('treats a TRANSACTION.SUCCESS arriving after capture (by order query) and refund as a duplicate', async () => {
    const { id, outTradeNo } = await awaiting();
    h.wechat.pay(outTradeNo);
    await eventually(async () => {
      await h.core.janitor.tick();
      return (await h.payment(id)).status === 'CAPTURED';
    }, 'captured from the order query');
    const r = await h.core.service.refund({
      idempotency_key: randomUUID(),
      payment_id: id,
      amount: CoreHarness.cny(1000),
      reason: '',
    });
    const outRefundNo = (r.refund as { out_refund_no: string }).out_refund_no;
    await h.notify(refundNotice(outTradeNo, outRefundNo, 1000, 'SUCCESS'), 'refunds');
    expect((await h.payment(id)).status).toBe('REFUNDED');
    await h.notify(transactionSuccess(outTradeNo, 1000, randomUUID()));
    expect((await h.payment(id)).status).toBe('REFUNDED');
    const rows: { event_type: string; status: string; outcome: string }[] = await h.ds.query(
      `SELECT event_type, status, outcome FROM webhook_inbox WHERE aggregate_ref = $1 ORDER BY seq`,
      [outTradeNo],
    );
    expect(rows).toEqual([
      { event_type: 'REFUND.SUCCESS', status: 'APPLIED', outcome: 'REFUND_CHANNEL' },
      { event_type: 'TRANSACTION.SUCCESS', status: 'DUPLICATE', outcome: 'REFUNDED' },
    ]);
    expect(h.channel.holds.get(id)?.completions).toBe(1);
  });

  /** The same order's notification in another trade state (WeChat Pay closed the order, or the payer's bank failed). */
  const inState = (outTradeNo: string, tradeState: 'CLOSED' | 'PAYERROR') => {
    const n = transactionSuccess(outTradeNo, 1000);
    if (n.kind === 'transaction') n.transaction.trade_state = tradeState;
    return n;
  };

  it('stores and applies a SUCCESS that follows a CLOSED notification of the same order, and the other way round', async () => {
    const first = await awaiting();
    expect(await h.notify(inState(first.outTradeNo, 'CLOSED'))).toBe('stored');
    expect((await h.payment(first.id)).status).toBe('AWAITING_PAYER');
    h.wechat.pay(first.outTradeNo);
    // Applied from the notification itself: the order query (janitor) is not run here.
    expect(await h.notify(transactionSuccess(first.outTradeNo, 1000))).toBe('stored');
    expect((await h.payment(first.id)).status).toBe('CAPTURED');
    expect(await facts(first.outTradeNo)).toEqual([
      'WechatPayTransactionNotified',
      'WechatPayTransactionNotified',
    ]);

    const second = await awaiting();
    h.wechat.pay(second.outTradeNo);
    expect(await h.notify(transactionSuccess(second.outTradeNo, 1000))).toBe('stored');
    expect(await h.notify(inState(second.outTradeNo, 'CLOSED'))).toBe('stored');
    expect((await h.payment(second.id)).status).toBe('CAPTURED');
    // Each state is still stored once.
    expect(await h.notify(inState(second.outTradeNo, 'CLOSED'))).toBe('duplicate');
    expect(await h.notify(transactionSuccess(second.outTradeNo, 1000))).toBe('duplicate');
    expect(h.channel.holds.get(second.id)?.completions).toBe(1);
  });

  it('re-keys transaction notifications stored before keys carried the state, so their re-delivery stays a duplicate', async () => {
    const { outTradeNo } = await awaiting();
    const entry = inboxEntryOf(inState(outTradeNo, 'CLOSED'), 'transactions', new Date());
    await h.ds.query(
      `INSERT INTO webhook_inbox (notification_id, business_key, endpoint, event_type, aggregate_ref, fact_type, facts, status)
       VALUES ($1, $2, 'transactions', $3, $4, $5, $6, 'FORWARDED')`,
      [
        entry.notificationId,
        `TRANSACTION.SUCCESS:${outTradeNo}`,
        entry.eventType,
        outTradeNo,
        entry.factType,
        entry.facts,
      ],
    );
    const runner = h.ds.createQueryRunner();
    try {
      await new KeyTransactionNoticesByState1733600000000().up(runner);
    } finally {
      await runner.release();
    }
    const writer = new WebhookInboxWriter(h.ds, { maxConcurrent: 1 });
    const again = inboxEntryOf(inState(outTradeNo, 'CLOSED'), 'transactions', new Date());
    expect(await writer.store(again)).toBe('duplicate');
  });

  it('defers a notification that arrives before its payment can take it, then applies it in order', async () => {
    h.risk.delayMs = 600;
    const pending = h.create();
    const row = await eventually(async () => {
      const rows: { id: string; out_trade_no: string }[] = await h.ds.query(
        `SELECT id, out_trade_no FROM payment WHERE status IN ('CREATED') ORDER BY created_at DESC LIMIT 1`,
      );
      return rows[0];
    }, 'payment created');
    // WeChat Pay will say paid; its notification arrives while we are still asking risk.
    await h.notify(transactionSuccess(row.out_trade_no, 1000));
    const [early] = (await h.ds.query(`SELECT status, outcome FROM webhook_inbox WHERE aggregate_ref = $1`, [
      row.out_trade_no,
    ])) as { status: string; outcome: string }[];
    expect(early).toEqual({ status: 'PENDING', outcome: 'PAYMENT_CREATED' });
    h.risk.delayMs = 0;
    await pending;
    h.wechat.pay(row.out_trade_no);
    await eventually(async () => {
      await h.core.worker.drainOnce();
      return (await h.payment(row.id)).status === 'CAPTURED';
    }, 'applied once the payment waited for its payer');
  });

  it('rejects (never applies) a notification whose amount differs', async () => {
    const { id, outTradeNo } = await awaiting();
    await h.notify(transactionSuccess(outTradeNo, 999));
    expect((await h.payment(id)).status).toBe('AWAITING_PAYER');
    const rows: { status: string; outcome: string }[] = await h.ds.query(
      `SELECT status, outcome FROM webhook_inbox WHERE aggregate_ref = $1 ORDER BY seq`,
      [outTradeNo],
    );
    expect(rows).toEqual([{ status: 'REJECTED', outcome: 'AMOUNT_MISMATCH' }]);
    // Still published: the fact is WeChat Pay's, whatever we make of it.
    expect(await facts(outTradeNo)).toEqual(['WechatPayTransactionNotified']);
  });

  it('forwards a notification for an order another system of the merchant made, counted as an alert, not kept as a rejection', async () => {
    const alerts = async () =>
      (await h.core.deps.metrics.alerts.get()).values.find(
        (v) => v.labels.kind === 'notification_unknown_order',
      )?.value ?? 0;
    const before = await alerts();
    const foreign = randomUUID().replace(/-/g, '');
    await h.notify(transactionSuccess(foreign, 1000));
    const rows: { status: string; outcome: string }[] = await h.ds.query(
      `SELECT status, outcome FROM webhook_inbox WHERE aggregate_ref = $1`,
      [foreign],
    );
    expect(rows).toEqual([{ status: 'FORWARDED', outcome: 'UNKNOWN_ORDER' }]);
    expect(await facts(foreign)).toEqual(['WechatPayTransactionNotified']);
    expect(await alerts()).toBe(before + 1);
  });

  it('forwards papay notifications without touching payments', async () => {
    const { id, outTradeNo } = await awaiting();
    await h.notify(transactionSuccess(outTradeNo, 1000), 'papay');
    expect((await h.payment(id)).status).toBe('AWAITING_PAYER');
    const [row] = (await h.ds.query(`SELECT status FROM webhook_inbox WHERE endpoint = 'papay'`)) as {
      status: string;
    }[];
    expect(row!.status).toBe('FORWARDED');
  });

  it('applies a claimed batch in one pass, each row by its own rules, in arrival order', async () => {
    const paid = await awaiting();
    const wrong = await awaiting();
    h.wechat.pay(paid.outTradeNo);
    const writer = new WebhookInboxWriter(h.ds);
    const store = (
      n: ReturnType<typeof transactionSuccess>,
      endpoint: 'transactions' | 'papay' = 'transactions',
    ) => writer.store(inboxEntryOf(n, endpoint, new Date()));
    await store(transactionSuccess(paid.outTradeNo, 1000));
    await store(transactionSuccess(wrong.outTradeNo, 999));
    await store(transactionSuccess('1'.repeat(32), 1000));
    await store(transactionSuccess('2'.repeat(32), 1000), 'papay');
    await h.core.worker.drainOnce();
    const rows: { aggregate_ref: string; status: string; outcome: string }[] = await h.ds.query(
      `SELECT aggregate_ref, status, outcome FROM webhook_inbox WHERE aggregate_ref = ANY($1) ORDER BY seq`,
      [[paid.outTradeNo, wrong.outTradeNo, '1'.repeat(32), '2'.repeat(32)]],
    );
    expect(rows).toEqual([
      { aggregate_ref: paid.outTradeNo, status: 'APPLIED', outcome: 'PAYER_PAID' },
      { aggregate_ref: wrong.outTradeNo, status: 'REJECTED', outcome: 'AMOUNT_MISMATCH' },
      { aggregate_ref: '1'.repeat(32), status: 'FORWARDED', outcome: 'UNKNOWN_ORDER' },
      { aggregate_ref: '2'.repeat(32), status: 'FORWARDED', outcome: 'PAPAY' },
    ]);
    expect((await h.payment(paid.id)).status).toBe('CAPTURED');
    expect((await h.payment(wrong.id)).status).toBe('AWAITING_PAYER');
    expect(await facts(paid.outTradeNo)).toEqual(['WechatPayTransactionNotified']);
    expect(await facts(wrong.outTradeNo)).toEqual(['WechatPayTransactionNotified']);
    expect(await facts('2'.repeat(32))).toHaveLength(1);
  });

  it('falls back to one row at a time when a batch fails, so one bad row does not hold back the others', async () => {
    const good = await awaiting();
    h.wechat.pay(good.outTradeNo);
    await insertBadRow();
    await h.notify(transactionSuccess(good.outTradeNo, 1000));
    expect((await h.payment(good.id)).status).toBe('CAPTURED');
    const [bad] = (await h.ds.query(
      `SELECT status, attempts FROM webhook_inbox WHERE fact_type = 'not a type'`,
    )) as { status: string; attempts: number }[];
    expect(bad).toEqual({ status: 'PENDING', attempts: 1 });
    expect(h.log.lines.join('\n')).toContain('trying them one by one');
    await h.ds.query(`DELETE FROM webhook_inbox WHERE fact_type = 'not a type'`);
  });

  it('applies a row once when its one-by-one claim ran out while its worker held it and another worker came by', async () => {
    const good = await awaiting();
    h.wechat.pay(good.outTradeNo);
    // A bad row sends both workers down the one-by-one path, where a row's claim is a lease.
    await insertBadRow();
    await new WebhookInboxWriter(h.ds).store(
      inboxEntryOf(transactionSuccess(good.outTradeNo, 1000), 'transactions', new Date()),
    );
    // A worker whose apply of the good row stalls (a slow counterparty, a pause) past its claim's 1 ms lease.
    let reached!: () => void;
    const atStall = new Promise<void>((resolve) => (reached = resolve));
    let resume!: () => void;
    const stall = new Promise<void>((resolve) => (resume = resolve));
    const applier = h.get(NotificationApplier);
    const stalling = Object.create(applier) as NotificationApplier;
    stalling.apply = async (m, row, locked) => {
      if (row.factType !== 'not a type') {
        reached();
        await stall;
      }
      return applier.apply(m, row, locked);
    };
    const slow = new WebhookInboxWorker(
      h.ds,
      new WebhookInboxRepository(),
      stalling,
      h.core.driver,
      h.core.refundDriver,
      h.get(PaymentMetrics),
      h.log.logger,
      { claimLeaseMs: 1 },
    );
    const slowRound = slow.drainOnce();
    await atStall;
    // The other worker comes by after the lease ran out, then the stalled one goes on.
    await h.core.worker.drainOnce();
    resume();
    await slowRound;
    expect((await h.payment(good.id)).status).toBe('CAPTURED');
    expect(await facts(good.outTradeNo)).toEqual(['WechatPayTransactionNotified']);
    expect(h.channel.holds.get(good.id)?.completions).toBe(1);
    await h.ds.query(`DELETE FROM webhook_inbox WHERE fact_type = 'not a type'`);
  });
});
