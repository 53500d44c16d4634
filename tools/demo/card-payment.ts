import { randomUUID } from 'crypto';
import { type Client } from '@grpc/grpc-js';
import { unaryCall } from '@wxpay/grpc';
import {
  ADDRESSES,
  businessToday,
  http,
  masked,
  type Money,
  newCard,
  show,
  step,
  yuan,
} from './demo-support';

interface Payment {
  payment_id: string;
  out_trade_no: string;
  status: string;
  amount: Money;
  captured: Money;
  refunded: Money;
  failure: { code: string; message: string; reasons: string[] } | null;
  payer_action: {
    prepay_id: string;
    expires_at: string;
    jsapi: { package: string; pay_sign: string } | null;
  } | null;
  refunds: { refund_id: string; status: string; amount: Money }[];
}

const PAYER = 'oDemoPayer0000000000000000001';

async function until(payments: Client, id: string, wanted: string[], timeoutMs = 30_000): Promise<Payment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await unaryCall<Payment>(payments, 'GetPayment', { payment_id: id }, { deadlineMs: 5000 });
    if (wanted.includes(p.status)) return p;
    if (Date.now() > deadline)
      throw new Error(`payment ${id} is ${p.status}, expected ${wanted.join(' or ')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function createRequest(token: string, amountMinor: number, description: string): Record<string, unknown> {
  return {
    idempotency_key: randomUUID(),
    card_token: token,
    amount: { amount_minor: String(amountMinor), currency: 'CNY' },
    merchant_id: 'm-demo-coffee',
    mcc: '5814',
    scene: 'ONLINE',
    trade_type: 'JSAPI',
    payer: { openid: PAYER, ip: '203.0.113.10' },
    device: { device_id: 'demo-iphone' },
    description,
  };
}

/**
 * Parts 1–3: a card payment (risk → vault → UnionPay hold → WeChat Pay order → the payer confirms →
 * TRANSACTION.SUCCESS captures), a partial refund, a payment the issuer declines; then the ledger check.
 */
export async function cardPaymentDemo(payments: Client, vault: Client, operations: Client): Promise<void> {
  const call = <T>(method: string, req: Record<string, unknown>) =>
    unaryCall<T>(payments, method, req, { deadlineMs: 20_000 });

  step('1. A card payment');
  const card = await newCard(vault, 1_000_000);
  show('card', `${masked(card.pan)} → ${card.token}`);
  const created = (
    await call<{ payment: Payment }>('CreatePayment', createRequest(card.token, 8800, 'Coffee beans 1 kg'))
  ).payment;
  show('CreatePayment', `${created.payment_id} ${created.status} ${yuan(created.amount)}`);
  if (created.status !== 'AWAITING_PAYER')
    throw new Error(`unexpected ${created.status}: ${JSON.stringify(created.failure)}`);
  show('wx.requestPayment', created.payer_action?.jsapi?.package ?? '');
  show('order expires', created.payer_action?.expires_at ?? '');
  await http('POST', `${ADDRESSES.wechatpaySim}/sim/payer/orders/${created.out_trade_no}/pay`, {
    openid: PAYER,
  });
  show('payer', 'confirmed in WeChat (simulator)');
  const captured = await until(payments, created.payment_id, ['CAPTURED']);
  show('status', `${captured.status}, captured ${yuan(captured.captured)}`);

  step('2. A partial refund');
  const refund = await call<{ refund: { refund_id: string; status: string } }>('RefundPayment', {
    idempotency_key: randomUUID(),
    payment_id: created.payment_id,
    amount: { amount_minor: '3000', currency: 'CNY' },
    reason: 'one bag returned',
  });
  show('RefundPayment', `${refund.refund.refund_id} ${refund.refund.status} 30.00 CNY`);
  const refunded = await until(payments, created.payment_id, ['PARTIALLY_REFUNDED']);
  show('status', `${refunded.status}, refunded ${yuan(refunded.refunded)} of ${yuan(refunded.captured)}`);
  for (const r of refunded.refunds) show('refund', `${r.refund_id} ${r.status} ${yuan(r.amount)}`);

  step('3. A failed payment (credit limit too small)');
  const poor = await newCard(vault, 1_000);
  show('card', `${masked(poor.pan)} → ${poor.token} (limit 10.00 CNY)`);
  const failed = (
    await call<{ payment: Payment }>('CreatePayment', createRequest(poor.token, 25_000, 'Espresso machine'))
  ).payment;
  show('CreatePayment', `${failed.payment_id} ${failed.status} ${yuan(failed.amount)}`);
  show('failure', failed.failure ?? 'none');

  step('Ledger and reconciliation (the operations console)');
  const console_ = <T>(method: string, req: Record<string, unknown>) =>
    unaryCall<T>(operations, method, req, { deadlineMs: 60_000 });
  const ledger = await console_<{ transactions: string; entries: string; unbalanced: unknown[] }>(
    'CheckLedger',
    {},
  );
  show('transactions', ledger.transactions);
  show('entries', ledger.entries);
  show('unbalanced', ledger.unbalanced.length === 0 ? 'none' : ledger.unbalanced);
  const report = await console_<{
    business_date: string;
    ledger_items: number;
    unionpay_items: number;
    wechatpay_items: number;
    matched: number;
    breaks: { kind: string; reference: string }[];
  }>('RunReconciliation', { business_date: businessToday() });
  show(
    'reconciliation',
    `${report.business_date}: ${report.ledger_items} ledger items, ${report.unionpay_items} UnionPay, ` +
      `${report.wechatpay_items} WeChat Pay lines, ${report.matched} matched`,
  );
  show('breaks', report.breaks.length === 0 ? 'none' : report.breaks);
}
