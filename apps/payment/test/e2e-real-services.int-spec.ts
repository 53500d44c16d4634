import { eventually } from '@wxpay/testing';
import { E2eCluster, type TestCard } from './support/e2e-cluster';

jest.setTimeout(180_000);

interface PaymentView {
  payment_id: string;
  out_trade_no: string;
  status: string;
  risk_decision: string;
  failure: { code: string; reasons: string[] } | null;
}

/**
 * The same flows with the real neighbours: apps/tokenization (the card is tokenized and detokenized by the real
 * vault, over its allow-list) and apps/risk with its default rules, each as its own process.
 */
describe('payments with the real vault and risk engine', () => {
  const c = new E2eCluster({}, { realServices: true });
  let card: TestCard;

  beforeAll(async () => {
    await c.start('pay_e2e_real');
    await c.startPayment();
    card = await c.seedCard();
  });
  afterAll(() => c.stop());

  it('pays and captures a card the real vault tokenized, approved by the real risk engine', async () => {
    const { payment } = await c.call<{ payment: PaymentView }>(
      'CreatePayment',
      c.createRequest(card, 2500, { merchant_id: `m-real-${Date.now()}` }),
    );
    expect(payment.status).toBe('AWAITING_PAYER');
    expect(['APPROVE', 'REVIEW']).toContain(payment.risk_decision);
    await c.wechat.pay(payment.out_trade_no);
    await eventually(
      async () => ((await c.getPayment(payment.payment_id)) as unknown as PaymentView).status === 'CAPTURED',
      'captured',
      30_000,
    );
  });

  it('fails a payment the default rules reject (online amount above 50,000 CNY)', async () => {
    const { payment } = await c.call<{ payment: PaymentView }>(
      'CreatePayment',
      c.createRequest(card, 5_000_001),
    );
    expect(payment).toMatchObject({
      status: 'FAILED',
      risk_decision: 'REJECT',
      failure: { code: 'RISK_REJECTED' },
    });
    expect(payment.failure?.reasons.length).toBeGreaterThan(0);
  });
});
