import { Topics } from '@wxpay/contracts';
import { eventually, readPublishedEvents } from '@wxpay/testing';
import { E2eCluster, type TestCard } from './support/e2e-cluster';

jest.setTimeout(120_000);

interface PaymentView {
  payment_id: string;
  out_trade_no: string;
  status: string;
}

/**
 * The payment service as its own process (apps/payment/src/main.ts), SIGKILLed while its completion is on the
 * wire to UnionPay, then restarted: the payment must finish, and the card be charged, exactly once.
 */
describe('payment service killed mid-flow and restarted', () => {
  const c = new E2eCluster({ PAYMENT_LEASE_MS: '2000', PAYMENT_JANITOR_INTERVAL_MS: '300' });
  let card: TestCard;

  beforeAll(async () => {
    await c.start('pay_e2e_crash');
    await c.startPaymentProcess();
    card = await c.seedCard();
  });
  afterAll(() => c.stop());

  it('finishes the capture exactly once after a crash during the completion', async () => {
    const before = await c.unionpay.account(card.accountId);
    const p = (await c.call<{ payment: PaymentView }>('CreatePayment', c.createRequest(card, 2468))).payment;
    expect(p.status).toBe('AWAITING_PAYER');

    // The switch applies the completion but answers it only after 800 ms: the process dies in between.
    await c.unionpay.fault({ kind: 'latency', delayMs: 800, mtis: ['0200'], remaining: 1 });
    await c.wechat.pay(p.out_trade_no);
    await eventually(
      async () => {
        const rows: unknown[] = await c.db.dataSource.query(
          `SELECT 1 FROM unionpay_request r JOIN unionpay_request o ON o.id = r.original_request_id
          WHERE o.card_ref = $1 AND r.kind = 'completion' AND r.state = 'pending'`,
          [`pay:${p.payment_id}`],
        );
        return rows.length > 0;
      },
      'completion on the wire',
      20_000,
    );
    await c.process!.kill();
    expect(c.process!.alive).toBe(false);

    await c.startPaymentProcess();
    await eventually(
      async () => ((await c.getPayment(p.payment_id)) as unknown as PaymentView).status === 'CAPTURED',
      'captured after the restart',
      60_000,
    );

    const after = await c.unionpay.account(card.accountId);
    expect(after.balance.minor).toBe(before.balance.minor + 2468);
    expect(after.held.minor).toBe(before.held.minor);
    const ds = c.db.dataSource;
    const [counts] = (await ds.query(
      `SELECT
         (SELECT count(*) FROM ledger_transaction WHERE payment_id = $1::uuid AND kind = 'CAPTURE') AS captures,
         (SELECT count(*) FROM webhook_inbox WHERE aggregate_ref = $2) AS notifications`,
      [p.payment_id, p.out_trade_no],
    )) as { captures: string; notifications: string }[];
    expect(counts).toEqual({ captures: '1', notifications: '1' });
    // One capture event published (copies of one event id, which the relay may send twice, are folded).
    await eventually(
      async () =>
        (await ds.query(`SELECT 1 FROM outbox_event WHERE message_key = $1`, [p.payment_id])).length === 0,
      'the payment’s events all published',
    );
    const published = await readPublishedEvents(Topics.paymentsLifecycle.name, p.payment_id);
    expect(published.filter((e) => e.type === 'PaymentCaptured')).toHaveLength(1);
    // On the channel: the interrupted completion was reversed (store and forward), one completion stands.
    const completions: { state: string; reversal_state: string }[] = await ds.query(
      `SELECT r.state, r.reversal_state FROM unionpay_request r JOIN unionpay_request o ON o.id = r.original_request_id
        WHERE o.card_ref = $1 AND r.kind = 'completion' ORDER BY r.created_at`,
      [`pay:${p.payment_id}`],
    );
    expect(
      completions.filter((x) => x.state === 'approved' && x.reversal_state !== 'acknowledged'),
    ).toHaveLength(1);
  });
});
