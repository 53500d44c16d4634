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
import { status } from '@grpc/grpc-js';
import { AutoRepaymentService, PaymentsService, TokenVaultService } from '@wxpay/contracts';
import { createServiceClient, type ServiceDefinition } from '@wxpay/grpc';
import { autoRepaymentDemo } from './auto-repayment';
import { cardPaymentDemo } from './card-payment';
import { ADDRESSES, demoTls } from './demo-support';

const PARTS = ['payment', 'repayment'] as const;

async function main(parts: readonly string[]): Promise<void> {
  const credentials = await demoTls();
  // Each client names the service the server must prove to be (its certificate's spiffe://wxpay/<server>).
  const client = <S extends ServiceDefinition>(
    definition: S,
    address: string,
    server: string,
    tls = credentials,
  ) => createServiceClient(definition, { address, tls, server, deadlineMs: 20_000 });
  const vault = client(TokenVaultService, ADDRESSES.vault, 'tokenization');
  const payments = client(PaymentsService, ADDRESSES.payments, 'payment');
  const operations = client(PaymentsService, ADDRESSES.payments, 'payment', await demoTls('console'));
  const repayment = client(AutoRepaymentService, ADDRESSES.repayment, 'repayment');
  const cardSystem = client(
    AutoRepaymentService,
    ADDRESSES.repayment,
    'repayment',
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

/** A call that found nobody listening (gRPC UNAVAILABLE, or a refused HTTP connection): the cluster is not up. */
function nobodyThere(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  const cause = (e as { cause?: { code?: unknown } }).cause?.code;
  return code === status.UNAVAILABLE || code === 'ECONNREFUSED' || cause === 'ECONNREFUSED';
}

main(argv.length ? argv : PARTS).catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  // Only when that is the cause: a hint to start the cluster after any failure sent people looking in the wrong
  // place (a payment the cluster declined is not a cluster that is down).
  if (nobodyThere(e)) console.error('is the cluster running? (`npm start` in another terminal)');
  process.exit(1);
});
