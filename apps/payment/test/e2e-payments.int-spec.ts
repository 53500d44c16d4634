import { Topics } from '@wxpay/contracts';
import { type ServiceError } from '@grpc/grpc-js';
import { GrpcStatus, reasonOf } from '@wxpay/grpc';
import { eventually, readTopic } from '@wxpay/testing';
import { E2eCluster, type TestCard } from './support/e2e-cluster';
import { KafkaTail } from './support/kafka-tail';

jest.setTimeout(120_000);

interface PaymentView {
  payment_id: string;
  out_trade_no: string;
  status: string;
  failure: { code: string; reasons: string[] } | null;
  payer_action: { prepay_id: string; jsapi: { package: string; pay_sign: string } | null } | null;
  refunds: { refund_id: string; status: string }[];
}

/**
 * End to end through real PostgreSQL, Kafka, mutual TLS and gRPC, with both simulators as their own processes
 * (WeChat Pay over signed HTTP and its payer endpoint; the UnionPay switch over TLS with SM-protected ISO 8583)
 * and gRPC stand-ins for risk and the vault.
 */
describe('payments end to end (simulators, TLS, gRPC, Kafka, PostgreSQL)', () => {
  const c = new E2eCluster();
  let card: TestCard;

  beforeAll(async () => {
    await c.start('pay_e2e');
    await c.startPayment();
    card = await c.seedCard();
  });
  afterAll(() => c.stop());

  async function create(
    amountMinor: number,
    extra: Record<string, unknown> = {},
    useCard = card,
  ): Promise<PaymentView> {
    return (
      await c.call<{ payment: PaymentView }>('CreatePayment', c.createRequest(useCard, amountMinor, extra))
    ).payment;
  }

  async function until(id: string, status: string, timeoutMs = 20_000): Promise<PaymentView> {
    return eventually(
      async () => {
        const p = (await c.getPayment(id)) as unknown as PaymentView;
        return p.status === status && p;
      },
      `payment ${id} ${status}`,
      timeoutMs,
    );
  }

  async function requestRows(
    paymentId: string,
  ): Promise<{ kind: string; state: string; reversal_state: string; rrn: string }[]> {
    return c.db.dataSource.query(
      `SELECT r.kind, r.state, r.reversal_state, r.rrn FROM unionpay_request r
         LEFT JOIN unionpay_request o ON o.id = r.original_request_id
        WHERE r.card_ref = $1 OR o.card_ref = $1 ORDER BY r.created_at`,
      [`pay:${paymentId}`],
    );
  }

  it('pays: a hold, the payer confirms in WeChat, the notification captures it on UnionPay, once', async () => {
    const before = await c.unionpay.account(card.accountId);
    const [lifecycleTail, factsTail] = await Promise.all([
      KafkaTail.mark(Topics.paymentsLifecycle.name),
      KafkaTail.mark(Topics.wechatpayNotifications.name),
    ]);
    const p = await create(1234);
    expect(p.status).toBe('AWAITING_PAYER');
    expect(p.payer_action?.jsapi?.package).toBe(`prepay_id=${p.payer_action?.prepay_id}`);
    expect((await c.unionpay.account(card.accountId)).held.minor).toBe(before.held.minor + 1234);

    await c.wechat.pay(p.out_trade_no, 'oPayer000000000000000000001');
    await until(p.payment_id, 'CAPTURED');
    const after = await c.unionpay.account(card.accountId);
    expect(after.held.minor).toBe(before.held.minor);
    expect(after.balance.minor).toBe(before.balance.minor + 1234);
    expect((await requestRows(p.payment_id)).map((r) => `${r.kind}:${r.state}`)).toEqual([
      'preauth:approved',
      'completion:approved',
    ]);

    const lifecycle = await lifecycleTail.read((m) =>
      m.some((x) => x.key === p.payment_id && x.value?.includes('PaymentCaptured')),
    );
    const mine = lifecycle
      .filter((m) => m.key === p.payment_id)
      .map((m) => JSON.parse(m.value!).type as string);
    expect(mine.filter((t) => t === 'PaymentCaptured')).toHaveLength(1);
    expect(mine).toEqual(expect.arrayContaining(['PaymentCreated', 'PaymentAuthorized', 'PaymentCaptured']));

    const facts = await factsTail.read((m) => m.some((x) => x.key === p.out_trade_no));
    const fact = facts.find((m) => m.key === p.out_trade_no)!;
    expect(JSON.parse(fact.value!)).toMatchObject({
      type: 'WechatPayTransactionNotified',
      payload: {
        transaction: { outTradeNo: p.out_trade_no, tradeState: 'SUCCESS', amount: { total: 1234 } },
      },
    });
    expect(fact.value).not.toContain('ciphertext');
    expect(fact.value).not.toMatch(/622202\d{13}/);
  });

  it('answers a Native (QR code) order with its code_url, no payer needed', async () => {
    const p = (
      await c.call<{ payment: PaymentView & { payer_action: { code_url: string } } }>(
        'CreatePayment',
        c.createRequest(card, 1300, { trade_type: 'NATIVE', scene: 'OFFLINE_QR', payer: {} }),
      )
    ).payment;
    expect(p.status).toBe('AWAITING_PAYER');
    expect(p.payer_action.code_url).toMatch(/^weixin:\/\//);
    await c.wechat.pay(p.out_trade_no);
    await until(p.payment_id, 'CAPTURED');
  });

  it('refunds in parts on both sides; REFUND.SUCCESS finishes each; the card is credited back', async () => {
    const before = await c.unionpay.account(card.accountId);
    const p = await create(1000);
    await c.wechat.pay(p.out_trade_no);
    await until(p.payment_id, 'CAPTURED');
    const refund = (amount: number) =>
      c.call<{ refund: { refund_id: string; status: string } }>('RefundPayment', {
        idempotency_key: `${p.payment_id}-${amount}`,
        payment_id: p.payment_id,
        amount: { amount_minor: String(amount), currency: 'CNY' },
        reason: 'partial refund',
      });
    const first = await refund(300);
    expect(['REFUND_PROCESSING', 'REFUND_CHANNEL', 'REFUND_SUCCEEDED']).toContain(first.refund.status);
    await until(p.payment_id, 'PARTIALLY_REFUNDED');
    await refund(200);
    const tooMuch = await refund(501).catch((e: ServiceError) => e);
    expect((tooMuch as ServiceError).code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(reasonOf(tooMuch as ServiceError)).toBe('REFUND_EXCEEDS_AVAILABLE');
    await refund(500);
    const done = await until(p.payment_id, 'REFUNDED');
    expect(done.refunds.map((r) => r.status)).toEqual([
      'REFUND_SUCCEEDED',
      'REFUND_SUCCEEDED',
      'REFUND_SUCCEEDED',
    ]);
    await eventually(async () => {
      const a = await c.unionpay.account(card.accountId);
      return a.balance.minor === before.balance.minor && a;
    }, 'card credited back in full');
    const check = await c.call<{ unbalanced: unknown[]; transactions: string }>('CheckLedger', {});
    expect(check.unbalanced).toEqual([]);
  });

  it('cancels: closes the WeChat Pay order and reverses the hold on UnionPay', async () => {
    const before = await c.unionpay.account(card.accountId);
    const p = await create(700);
    const cancelled = await c.call<PaymentView>('CancelPayment', {
      idempotency_key: `cancel-${p.payment_id}`,
      payment_id: p.payment_id,
    });
    expect(cancelled.status).toBe('CANCELLED');
    expect((await c.wechat.order(p.out_trade_no)).trade_state).toBe('CLOSED');
    expect((await c.unionpay.account(card.accountId)).held.minor).toBe(before.held.minor);
    expect((await requestRows(p.payment_id))[0]).toMatchObject({
      kind: 'preauth',
      reversal_state: 'acknowledged',
    });
  });

  it('reverses the hold when the payer fails to pay (found by querying the order)', async () => {
    const before = await c.unionpay.account(card.accountId);
    const p = await create(800);
    await c.wechat.fail(p.out_trade_no);
    const reversed = await until(p.payment_id, 'REVERSED');
    expect(reversed.status).toBe('REVERSED');
    expect((await c.unionpay.account(card.accountId)).held.minor).toBe(before.held.minor);
  });

  it('fails a payment risk rejects, before anything reaches the card network', async () => {
    const detokenized = c.vault.detokenizations;
    const p = await create(6666);
    expect(p).toMatchObject({
      status: 'FAILED',
      failure: { code: 'RISK_REJECTED', reasons: ['AMOUNT_BLOCKED'] },
    });
    expect(c.vault.detokenizations).toBe(detokenized);
    expect(await requestRows(p.payment_id)).toEqual([]);
  });

  it('fails on a UnionPay decline, with the issuer response code', async () => {
    await c.unionpay.fault({ kind: 'decline', responseCode: '51', mtis: ['0100'], remaining: 1 });
    const p = await create(900);
    expect(p).toMatchObject({ status: 'FAILED', failure: { code: 'ISSUER_DECLINED', reasons: ['51'] } });
  });

  it('reverses an authorisation UnionPay never answered, exactly once, and fails the payment', async () => {
    const before = await c.unionpay.account(card.accountId);
    await c.unionpay.fault({ kind: 'no-answer', mtis: ['0100'], remaining: 1 });
    const p = await create(950);
    expect(['AUTH_UNKNOWN', 'FAILED']).toContain(p.status);
    expect(p.failure?.code).toBe('CHANNEL_TIMEOUT');
    const failed = await until(p.payment_id, 'FAILED');
    expect(failed.failure?.code).toBe('CHANNEL_TIMEOUT');
    const rows = await requestRows(p.payment_id);
    expect(rows).toEqual([
      expect.objectContaining({ kind: 'preauth', state: 'timed-out', reversal_state: 'acknowledged' }),
    ]);
    const journal = (
      await c.unionpay.admin<{ kind: string; state: string }[]>('GET', `/admin/journal?rrn=${rows[0]!.rrn}`)
    ).body;
    expect(journal.filter((j) => j.kind === 'reversal')).toHaveLength(1);
    expect((await c.unionpay.account(card.accountId)).held.minor).toBe(before.held.minor);
  });

  it('answers a repeated CreatePayment with the first answer and refuses a changed one', async () => {
    const request = c.createRequest(card, 1111);
    const first = await c.call<{ payment: PaymentView }>('CreatePayment', request);
    const again = await c.call<{ payment: PaymentView }>('CreatePayment', request);
    expect(again).toEqual(first);
    const changed = await c
      .call('CreatePayment', { ...request, amount: { amount_minor: '1112', currency: 'CNY' } })
      .catch((e: ServiceError) => e);
    expect((changed as ServiceError).code).toBe(GrpcStatus.ALREADY_EXISTS);
    expect(reasonOf(changed as ServiceError)).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('reconciles the day against the UnionPay settlement file and the order queries, and finds a planted break', async () => {
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const clean = await c.call<{ breaks: unknown[]; ledger_items: number; matched: number }>(
      'RunReconciliation',
      { business_date: today },
    );
    expect(clean.breaks).toEqual([]);
    expect(clean.matched).toBe(clean.ledger_items);

    // Planted: a capture booked in the ledger for a payment whose hold was released (UnionPay never settled it,
    // WeChat Pay closed the order).
    const released = await create(4321);
    await c.call('CancelPayment', {
      idempotency_key: `cancel-${released.payment_id}`,
      payment_id: released.payment_id,
    });
    await c.db.dataSource.transaction(async (m) => {
      const txn = '00000000-0000-4000-8000-000000000001';
      await m.query(
        `INSERT INTO ledger_transaction (id, kind, reference, payment_id, business_date) VALUES ($1, 'CAPTURE', $2::text, $2::uuid, $3)`,
        [txn, released.payment_id, today],
      );
      await m.query(
        `INSERT INTO ledger_entry (transaction_id, account, amount_minor, currency) VALUES
           ($1, 'unionpay:settlement', -4321, 'CNY'), ($1, 'cardholder:x', 4321, 'CNY'),
           ($1, 'wechatpay:clearing', 4321, 'CNY'), ($1, 'merchant:m-coffee', -4321, 'CNY')`,
        [txn],
      );
    });
    const report = await c.call<{
      breaks: { kind: string; source: string; reference: string; detail: string }[];
    }>('RunReconciliation', { business_date: today });
    expect(report.breaks.map((b) => [b.kind, b.source, b.reference])).toEqual(
      expect.arrayContaining([
        ['MISSING_AT_UNIONPAY', 'UNIONPAY', released.payment_id],
        ['STATUS_DIFFERS', 'WECHATPAY', released.out_trade_no],
      ]),
    );
    expect(report.breaks).toHaveLength(2);
    expect(report.breaks.find((b) => b.kind === 'STATUS_DIFFERS')?.detail).toContain('CLOSED');
  });

  it('lists payments newest first, page by page, and finds one by out_trade_no', async () => {
    const merchant = `m-list-${Date.now()}`;
    const made: PaymentView[] = [];
    for (let i = 0; i < 3; i++) made.push(await create(100 + i, { merchant_id: merchant }));
    const first = await c.call<{ payments: PaymentView[]; next_page_token: string }>('ListPayments', {
      merchant_id: merchant,
      limit: 2,
    });
    expect(first.payments.map((p) => p.payment_id)).toEqual([made[2]!.payment_id, made[1]!.payment_id]);
    const second = await c.call<{ payments: PaymentView[]; next_page_token: string }>('ListPayments', {
      merchant_id: merchant,
      limit: 2,
      page_token: first.next_page_token,
    });
    expect(second.payments.map((p) => p.payment_id)).toEqual([made[0]!.payment_id]);
    expect(second.next_page_token).toBe('');
    const byNo = await c.call<PaymentView>('GetPayment', { out_trade_no: made[0]!.out_trade_no });
    expect(byNo.payment_id).toBe(made[0]!.payment_id);
    const missing = await c
      .call('GetPayment', { payment_id: '00000000-0000-4000-8000-000000000000' })
      .catch((e: ServiceError) => e);
    expect((missing as ServiceError).code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('never wrote a card number to a log line or a table', async () => {
    const pans = [...c.vault.cards.values()].map((x) => x.pan);
    const dump: { t: string }[] = await c.db.dataSource.query(
      `SELECT string_agg(x::text, ' ') AS t FROM (
         SELECT to_jsonb(p) AS x FROM payment p UNION ALL SELECT envelope FROM outbox_event
         UNION ALL SELECT to_jsonb(u) FROM unionpay_request u UNION ALL SELECT to_jsonb(w) FROM webhook_inbox w) s`,
    );
    const logs = c.log.lines.join('\n');
    // Published events have left the outbox: read them where they went.
    const events = (await readTopic(Topics.paymentsLifecycle.name, { timeoutMs: 5000 }))
      .map((m) => `${m.key} ${m.value} ${JSON.stringify(m.headers)}`)
      .join('\n');
    expect(events).toContain('PaymentCaptured');
    for (const pan of pans) {
      expect(dump[0]!.t).not.toContain(pan);
      expect(logs).not.toContain(pan);
      expect(events).not.toContain(pan);
    }
  });
});
