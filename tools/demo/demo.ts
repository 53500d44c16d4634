/*
 * `npm run demo`: drives the running cluster (`npm start`) end to end and prints each step:
 *   1. a card payment: tokenize a card, CreatePayment (risk → vault → UnionPay hold → WeChat Pay order), the payer
 *      confirms in WeChat (the simulator's payer endpoint), TRANSACTION.SUCCESS captures it on UnionPay;
 *   2. a partial refund, finished by REFUND.SUCCESS and credited back over UnionPay;
 *   3. a failed payment: a card whose credit limit is too small, declined by the issuer.
 * Talks to the services exactly as a caller would: mutual-TLS gRPC with a `demo` certificate from the dev CA.
 */
import { randomUUID } from 'crypto';
import { join } from 'path';
import { type Client } from '@grpc/grpc-js';
import { protoPath } from '@wxpay/contracts';
import { createGrpcClient, type GrpcTlsConfig, loadProtos, unaryCall } from '@wxpay/grpc';
import { ensureDevPki, readTlsMaterial, workspaceRoot } from '@wxpay/testing';

const PAYMENTS = process.env.DEMO_PAYMENTS_ADDRESS ?? '127.0.0.1:50051';
const VAULT = process.env.DEMO_VAULT_ADDRESS ?? '127.0.0.1:50052';
const WECHATPAY_SIM = process.env.DEMO_WECHATPAY_SIM_URL ?? 'http://127.0.0.1:8090';
const UNIONPAY_SIM = process.env.DEMO_UNIONPAY_SIM_URL ?? 'http://127.0.0.1:8091';

interface Money {
  amount_minor: string;
  currency: string;
}

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

const yuan = (m: Money) => `${(Number(m.amount_minor) / 100).toFixed(2)} ${m.currency}`;

function step(title: string): void {
  console.log(`\n\x1b[1m▶ ${title}\x1b[0m`);
}

function show(label: string, value: unknown): void {
  console.log(`  ${label.padEnd(18)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

/** A Luhn-valid card number in the 62 (UnionPay) range, new for each run. */
function demoPan(): string {
  const body = `622202${String(Date.now()).slice(-9)}${Math.floor(Math.random() * 1000)
    .toString()
    .padStart(3, '0')}`.slice(0, 18);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

const masked = (pan: string) => `${pan.slice(0, 6)}******${pan.slice(-4)}`;

async function http<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

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

async function tls(): Promise<GrpcTlsConfig> {
  const pki = await ensureDevPki({ dir: join(workspaceRoot(), '.data/pki'), services: ['demo'] });
  return { enabled: true, ...(await readTlsMaterial(pki.ca, pki.services.demo!)) };
}

/** Tokenizes a new card and opens its account at the issuer (the UnionPay simulator). */
async function newCard(vault: Client, limitMinor: number): Promise<{ token: string; pan: string }> {
  const pan = demoPan();
  await http('POST', `${UNIONPAY_SIM}/admin/accounts`, { pan, expiry: '3012', creditLimitMinor: limitMinor });
  const r = await unaryCall<{ token: string }>(
    vault,
    'Tokenize',
    {
      idempotency_key: randomUUID(),
      cardholder_ref: `demo-${Date.now()}`,
      pan,
      expiry_month: '12',
      expiry_year: '2030',
    },
    { deadlineMs: 5000 },
  );
  return { token: r.token, pan };
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
    payer: { openid: 'oDemoPayer0000000000000000001', ip: '203.0.113.10' },
    device: { device_id: 'demo-iphone' },
    description,
  };
}

async function main(): Promise<void> {
  const credentials = await tls();
  const payments = createGrpcClient(
    loadProtos([protoPath('gateway/payment/v1/payment.proto')]),
    'gateway.payment.v1.Payments',
    PAYMENTS,
    credentials,
  );
  const vault = createGrpcClient(
    loadProtos([protoPath('gateway/tokenization/v1/tokenization.proto')]),
    'gateway.tokenization.v1.TokenVault',
    VAULT,
    credentials,
  );
  const call = <T>(method: string, req: Record<string, unknown>) =>
    unaryCall<T>(payments, method, req, { deadlineMs: 20_000 });
  try {
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
    await http('POST', `${WECHATPAY_SIM}/sim/payer/orders/${created.out_trade_no}/pay`, {
      openid: 'oDemoPayer0000000000000000001',
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

    step('Ledger');
    const ledger = await call<{ transactions: string; entries: string; unbalanced: unknown[] }>(
      'CheckLedger',
      {},
    );
    show('transactions', ledger.transactions);
    show('entries', ledger.entries);
    show('unbalanced', ledger.unbalanced.length === 0 ? 'none' : ledger.unbalanced);
    console.log('\ndone.');
  } finally {
    payments.close();
    vault.close();
  }
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  console.error('is the cluster running? (`npm start` in another terminal)');
  process.exit(1);
});
