import { randomUUID } from 'crypto';
import {
  CheckLedgerRequest,
  CreatePaymentRequest,
  GetPaymentRequest,
  type Payment,
  PaymentStatus,
  RefundPaymentRequest,
  RunReconciliationRequest,
  Scene,
  TradeType,
} from '@wxpay/contracts';
import {
  ADDRESSES,
  businessToday,
  http,
  masked,
  newCard,
  type Payments,
  show,
  step,
  type Vault,
  yuan,
} from './demo-support';

const PAYER = 'oDemoPayer0000000000000000001';

async function until(
  payments: Payments,
  id: string,
  wanted: PaymentStatus[],
  timeoutMs = 30_000,
): Promise<Payment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await payments.getPayment(GetPaymentRequest.fromPartial({ payment_id: id }), {
      deadlineMs: 5000,
    });
    if (wanted.includes(p.status)) return p;
    if (Date.now() > deadline)
      throw new Error(`payment ${id} is ${p.status}, expected ${wanted.join(' or ')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function createRequest(token: string, amountMinor: number, description: string): CreatePaymentRequest {
  return CreatePaymentRequest.fromPartial({
    idempotency_key: randomUUID(),
    card_token: token,
    amount: { amount_minor: String(amountMinor), currency: 'CNY' },
    merchant_id: 'm-demo-coffee',
    mcc: '5814',
    scene: Scene.ONLINE,
    trade_type: TradeType.JSAPI,
    payer: { openid: PAYER, ip: '203.0.113.10' },
    device: { device_id: 'demo-iphone' },
    description,
  });
}

/**
 * Parts 1–3: a card payment (risk → vault → UnionPay hold → WeChat Pay order → the payer confirms →
 * TRANSACTION.SUCCESS captures), a partial refund, a payment the issuer declines; then the ledger check.
 */
export async function cardPaymentDemo(payments: Payments, vault: Vault, operations: Payments): Promise<void> {
  step('1. A card payment');
  const card = await newCard(vault, 1_000_000);
  show('card', `${masked(card.pan)} → ${card.token}`);
  const created = (
    await payments.createPayment(createRequest(card.token, 8800, 'Coffee beans 1 kg'), { deadlineMs: 20_000 })
  ).payment!;
  show('CreatePayment', `${created.payment_id} ${created.status} ${yuan(created.amount)}`);
  if (created.status !== PaymentStatus.AWAITING_PAYER) {
    const f = created.failure;
    throw new Error(
      `CreatePayment answered ${created.status}${f ? ` (${f.code}: ${f.message})` : ''}, not AWAITING_PAYER; ` +
        'the payment service log says why',
    );
  }
  show('wx.requestPayment', created.payer_action?.jsapi?.package ?? '');
  show('order expires', created.payer_action?.expires_at ?? '');
  await http('POST', `${ADDRESSES.wechatpaySim}/sim/payer/orders/${created.out_trade_no}/pay`, {
    openid: PAYER,
  });
  show('payer', 'confirmed in WeChat (simulator)');
  const captured = await until(payments, created.payment_id, [PaymentStatus.CAPTURED]);
  show('status', `${captured.status}, captured ${yuan(captured.captured)}`);

  step('2. A partial refund');
  const refund = (
    await payments.refundPayment(
      RefundPaymentRequest.fromPartial({
        idempotency_key: randomUUID(),
        payment_id: created.payment_id,
        amount: { amount_minor: '3000', currency: 'CNY' },
        reason: 'one bag returned',
      }),
      { deadlineMs: 20_000 },
    )
  ).refund!;
  show('RefundPayment', `${refund.refund_id} ${refund.status} 30.00 CNY`);
  const refunded = await until(payments, created.payment_id, [PaymentStatus.PARTIALLY_REFUNDED]);
  show('status', `${refunded.status}, refunded ${yuan(refunded.refunded)} of ${yuan(refunded.captured)}`);
  for (const r of refunded.refunds) show('refund', `${r.refund_id} ${r.status} ${yuan(r.amount)}`);

  step('3. A failed payment (credit limit too small)');
  const poor = await newCard(vault, 1_000);
  show('card', `${masked(poor.pan)} → ${poor.token} (limit 10.00 CNY)`);
  const failed = (
    await payments.createPayment(createRequest(poor.token, 25_000, 'Espresso machine'), {
      deadlineMs: 20_000,
    })
  ).payment!;
  show('CreatePayment', `${failed.payment_id} ${failed.status} ${yuan(failed.amount)}`);
  show('failure', failed.failure ?? 'none');

  step('Ledger and reconciliation (the operations console)');
  const ledger = await operations.checkLedger(CheckLedgerRequest.fromPartial({}), { deadlineMs: 60_000 });
  show('transactions', ledger.transactions);
  show('entries', ledger.entries);
  show('unbalanced', ledger.unbalanced.length === 0 ? 'none' : ledger.unbalanced);
  const report = await operations.runReconciliation(
    RunReconciliationRequest.fromPartial({ business_date: businessToday() }),
    { deadlineMs: 60_000 },
  );
  show(
    'reconciliation',
    `${report.business_date}: ${report.ledger_items} ledger items, ${report.unionpay_items} UnionPay, ` +
      `${report.wechatpay_items} WeChat Pay lines, ${report.matched} matched`,
  );
  show('breaks', report.breaks.length === 0 ? 'none' : report.breaks);
}
