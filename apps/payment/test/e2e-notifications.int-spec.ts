import { generateKeyPairSync, randomUUID } from 'crypto';
import { ApiV3Key, encryptResource, signAsWechatPay } from '@wxpay/wechatpay';
import { eventually } from '@wxpay/testing';
import { readFileSync } from 'fs';
import { E2eCluster, type TestCard } from './support/e2e-cluster';

jest.setTimeout(120_000);

interface PaymentView {
  payment_id: string;
  out_trade_no: string;
  status: string;
}

/**
 * WeChat Pay's delivery behaviour against the real webhook: the simulator re-signs every attempt, retries on
 * its schedule (a thousand times faster), sends duplicates, concurrent copies, signature probes and holds
 * notifications back to deliver them out of order.
 */
describe('WeChat Pay notifications end to end (simulator → webhook → inbox → UnionPay)', () => {
  const c = new E2eCluster({ PAYMENT_AWAITING_POLL_MS: '1000' });
  let card: TestCard;

  beforeAll(async () => {
    await c.start('pay_e2e_notify');
    await c.startPayment();
    card = await c.seedCard();
  });
  afterEach(() => c.wechat.clearFaults());
  afterAll(() => c.stop());

  async function create(amountMinor: number): Promise<PaymentView> {
    return (await c.call<{ payment: PaymentView }>('CreatePayment', c.createRequest(card, amountMinor)))
      .payment;
  }

  async function until(id: string, status: string): Promise<void> {
    await eventually(
      async () => ((await c.getPayment(id)) as unknown as PaymentView).status === status,
      `${id} ${status}`,
      30_000,
    );
  }

  async function inbox(outTradeNo: string): Promise<{ event_type: string; status: string }[]> {
    return c.db.dataSource.query(
      `SELECT event_type, status FROM webhook_inbox WHERE aggregate_ref = $1 ORDER BY seq`,
      [outTradeNo],
    );
  }

  async function completions(paymentId: string): Promise<number> {
    const rows: unknown[] = await c.db.dataSource.query(
      `SELECT 1 FROM unionpay_request r JOIN unionpay_request o ON o.id = r.original_request_id
        WHERE o.card_ref = $1 AND r.kind = 'completion' AND r.state = 'approved'`,
      [`pay:${paymentId}`],
    );
    return rows.length;
  }

  /** The delivery attempts of the payment's TRANSACTION.SUCCESS, once one of them was stored. */
  async function attemptsOf(outTradeNo: string): Promise<{ signature: string; outcome: number | string }[]> {
    const [row] = await eventually(async () => {
      const rows: { notification_id: string }[] = await c.db.dataSource.query(
        `SELECT notification_id FROM webhook_inbox WHERE aggregate_ref = $1 AND event_type = 'TRANSACTION.SUCCESS'`,
        [outTradeNo],
      );
      return rows.length > 0 && rows;
    }, 'notification stored');
    const log = await eventually(async () => {
      const l = (await c.wechat.deliveries()).log.filter((d) => d.notificationId === row!.notification_id);
      return l.some((d) => d.delivered) && l;
    }, 'delivery logged');
    return log
      .filter((d) => d.copy === 'primary')
      .map((d) => ({ signature: d.signature, outcome: d.outcome }));
  }

  async function metric(name: string, labels: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${c.httpPort}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && labels.split(',').every((x) => l.includes(x)));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('applies duplicates and concurrent copies once', async () => {
    const p = await create(1500);
    await c.wechat.faults({ notifications: { duplicate: 3, concurrent: 4 } });
    await c.wechat.pay(p.out_trade_no);
    await until(p.payment_id, 'CAPTURED');
    await eventually(async () => {
      const log = (await c.wechat.deliveries()).log.filter((d) => d.eventType === 'TRANSACTION.SUCCESS');
      return log.filter((d) => d.copy === 'duplicate').length === 3;
    }, 'the three duplicates delivered');
    expect(await inbox(p.out_trade_no)).toEqual([{ event_type: 'TRANSACTION.SUCCESS', status: 'APPLIED' }]);
    expect(await completions(p.payment_id)).toBe(1);
  });

  it('applies out-of-order notifications in the order of the payment states', async () => {
    const p = await create(1600);
    // Hold the payment's notification back; the janitor finds the payment by querying the order, then the
    // refund's notification is delivered first and the stale TRANSACTION.SUCCESS after it.
    await c.wechat.faults({ notifications: { reverseNext: 2 } });
    await c.wechat.pay(p.out_trade_no);
    await until(p.payment_id, 'CAPTURED');
    await c.call('RefundPayment', {
      idempotency_key: randomUUID(),
      payment_id: p.payment_id,
      amount: { amount_minor: '1600', currency: 'CNY' },
    });
    await until(p.payment_id, 'REFUNDED');
    const rows = await eventually(async () => {
      const r = await inbox(p.out_trade_no);
      return r.length === 2 && r.every((x) => x.status !== 'PENDING') && r;
    }, 'both notifications processed');
    expect(rows.map((r) => r.event_type)).toEqual(['REFUND.SUCCESS', 'TRANSACTION.SUCCESS']);
    expect(rows.find((r) => r.event_type === 'TRANSACTION.SUCCESS')?.status).toBe('DUPLICATE');
    expect(await completions(p.payment_id)).toBe(1);
  });

  it('refuses probes and bad signatures (4xx, nothing stored), then takes the retried delivery', async () => {
    const probes = await metric('payment_webhook_verification_failures_total', 'code="SIGNTEST_PROBE"');
    const bad = await metric('payment_webhook_verification_failures_total', 'code="BAD_SIGNATURE"');
    const p = await create(1700);
    await c.wechat.faults({ notifications: { signtestAttempts: 1, badSignatureAttempts: 1 } });
    await c.wechat.pay(p.out_trade_no);
    await until(p.payment_id, 'CAPTURED');
    expect((await attemptsOf(p.out_trade_no)).map((d) => [d.signature, d.outcome])).toEqual([
      ['signtest', 401],
      ['bad-signature', 401],
      ['valid', 204],
    ]);
    expect(await inbox(p.out_trade_no)).toHaveLength(1);
    expect(await metric('payment_webhook_verification_failures_total', 'code="SIGNTEST_PROBE"')).toBe(
      probes + 1,
    );
    expect(await metric('payment_webhook_verification_failures_total', 'code="BAD_SIGNATURE"')).toBe(bad + 1);
  });

  it('answers 5xx while it cannot store a notification, and takes WeChat Pay’s retry once it can', async () => {
    const ds = c.db.dataSource;
    // The database refuses the next two inbox writes (a sequence, so the refusal survives the rollback).
    await ds.query(`CREATE SEQUENCE inbox_refusals`);
    await ds.query(`
      CREATE FUNCTION refuse_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('inbox_refusals') <= 2 THEN RAISE EXCEPTION 'disk full (test)'; END IF;
        RETURN NEW;
      END $$`);
    await ds.query(
      `CREATE TRIGGER refuse_inbox BEFORE INSERT ON webhook_inbox FOR EACH ROW EXECUTE FUNCTION refuse_inbox()`,
    );
    try {
      const p = await create(1800);
      await c.wechat.pay(p.out_trade_no);
      await until(p.payment_id, 'CAPTURED');
      expect((await attemptsOf(p.out_trade_no)).map((d) => d.outcome)).toEqual([500, 500, 204]);
      expect(await completions(p.payment_id)).toBe(1);
    } finally {
      await ds.query(`DROP TRIGGER refuse_inbox ON webhook_inbox`);
      await ds.query(`DROP FUNCTION refuse_inbox()`);
      await ds.query(`DROP SEQUENCE inbox_refusals`);
    }
  });

  it('answers a body that is not JSON with 400 and the FAIL body', async () => {
    const before = await metric('payment_webhook_verification_failures_total', 'endpoint="refunds"');
    const res = await fetch(`http://127.0.0.1:${c.httpPort}/notify/wechatpay/refunds`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"id": "broken',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
    expect(await metric('payment_webhook_verification_failures_total', 'endpoint="refunds"')).toBe(
      before + 1,
    );
    // Other routes keep Nest's own answers.
    const other = await fetch(`http://127.0.0.1:${c.httpPort}/no-such-route`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ statusCode: 404 });
  });

  it('leaves no trace but a log line and a metric for a forged notification', async () => {
    const p = await create(1900);
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const apiV3Key = ApiV3Key.from(readFileSync(c.wechat.bundle.apiV3KeyFile, 'utf8').trim());
    const body = Buffer.from(
      JSON.stringify({
        id: randomUUID(),
        create_time: '2026-11-25T21:49:36+08:00',
        resource_type: 'encrypt-resource',
        event_type: 'TRANSACTION.SUCCESS',
        summary: '支付成功',
        resource: {
          original_type: 'transaction',
          ...encryptResource(
            JSON.stringify({
              appid: c.wechat.bundle.appid,
              mchid: c.wechat.bundle.mchid,
              out_trade_no: p.out_trade_no,
              transaction_id: '4200000000000000000000000001',
              trade_state: 'SUCCESS',
              amount: { total: 1900 },
            }),
            apiV3Key,
            'transaction',
          ),
        },
      }),
    );
    // Signed with a key that is not WeChat Pay's, under WeChat Pay's public key id.
    const headers = signAsWechatPay(
      forged.privateKey,
      c.wechat.bundle.publicKeyId,
      body,
      Math.floor(Date.now() / 1000),
    );
    const before = await metric(
      'payment_webhook_verification_failures_total',
      'code="BAD_SIGNATURE",endpoint="transactions"',
    );
    const countRows = async () => {
      const [r] = (await c.db.dataSource.query(
        // The outbox's sequence, not its rows: the relay deletes what it published, while every event written
        // takes a seq.
        `SELECT (SELECT count(*) FROM webhook_inbox) AS inbox, (SELECT last_value FROM outbox_event_seq_seq) AS outbox`,
      )) as { inbox: string; outbox: string }[];
      return r;
    };
    const rowsBefore = await countRows();
    const res = await fetch(`http://127.0.0.1:${c.httpPort}/notify/wechatpay/transactions`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
    expect(await countRows()).toEqual(rowsBefore);
    expect(((await c.getPayment(p.payment_id)) as unknown as PaymentView).status).toBe('AWAITING_PAYER');
    expect(
      await metric(
        'payment_webhook_verification_failures_total',
        'code="BAD_SIGNATURE",endpoint="transactions"',
      ),
    ).toBe(before + 1);
    expect(
      c.log.lines.some(
        (l) => l.includes('notification refused: verification failed') && l.includes('BAD_SIGNATURE'),
      ),
    ).toBe(true);
  });
});
