/*
 * `npm run demo [-- payment|repayment]`: drives the running cluster (`npm start`) end to end and prints each step:
 *   1. a card payment: tokenize a card, CreatePayment (risk → vault → UnionPay hold → WeChat Pay order), the payer
 *      confirms in WeChat (the simulator's payer endpoint), TRANSACTION.SUCCESS captures it on UnionPay;
 *   2. a partial refund, finished by REFUND.SUCCESS and credited back over UnionPay;
 *   3. a failed payment: a card whose credit limit is too small, declined by the issuer, then the ledger check and
 *      today's reconciliation as the operations console runs them;
 *   4. automatic repayment: a papay contract and a plan, a statement, the notice and the deduction on the
 *      repayment service's controllable business clock, the credit posted to the card account over UnionPay.
 * Talks to the services exactly as a caller would: mutual-TLS gRPC as the bank's channel backend (`channel`), and
 * as the operations console (`console`) for the ledger and the reconciliation, and as the issuer's card system
 * (`card-system`) for the statement it sends AutoRepayment.
 */
import { protoPath } from '@wxpay/contracts';
import { createGrpcClient, loadProtos } from '@wxpay/grpc';
import { autoRepaymentDemo } from './auto-repayment';
import { cardPaymentDemo } from './card-payment';
import { ADDRESSES, demoTls } from './demo-support';

const PARTS = ['payment', 'repayment'] as const;

async function main(parts: readonly string[]): Promise<void> {
  const credentials = await demoTls();
  const client = (proto: string, service: string, address: string, tls = credentials) =>
    createGrpcClient(loadProtos([protoPath(proto)]), service, address, tls);
  const vault = client(
    'gateway/tokenization/v1/tokenization.proto',
    'gateway.tokenization.v1.TokenVault',
    ADDRESSES.vault,
  );
  const payments = client(
    'gateway/payment/v1/payment.proto',
    'gateway.payment.v1.Payments',
    ADDRESSES.payments,
  );
  const operations = client(
    'gateway/payment/v1/payment.proto',
    'gateway.payment.v1.Payments',
    ADDRESSES.payments,
    await demoTls('console'),
  );
  const repayment = client(
    'gateway/repayment/v1/repayment.proto',
    'gateway.repayment.v1.AutoRepayment',
    ADDRESSES.repayment,
  );
  const cardSystem = client(
    'gateway/repayment/v1/repayment.proto',
    'gateway.repayment.v1.AutoRepayment',
    ADDRESSES.repayment,
    await demoTls('card-system'),
  );
  try {
    if (parts.includes('payment')) await cardPaymentDemo(payments, vault, operations);
    if (parts.includes('repayment')) await autoRepaymentDemo(repayment, vault, cardSystem);
    console.log('\ndone.');
  } finally {
    payments.close();
    operations.close();
    vault.close();
    repayment.close();
    cardSystem.close();
  }
}

const argv = process.argv.slice(2);
const unknown = argv.filter((a) => !(PARTS as readonly string[]).includes(a));
if (unknown.length) {
  console.error(`usage: npm run demo [-- ${PARTS.join('|')}] (unknown: ${unknown.join(', ')})`);
  process.exit(2);
}

main(argv.length ? argv : PARTS).catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  console.error('is the cluster running? (`npm start` in another terminal)');
  process.exit(1);
});
