/*
 * Payment service benchmarks, on this machine, against real PostgreSQL and Kafka:
 * (a) webhook ingestion: signed, encrypted TRANSACTION.SUCCESS notifications posted at a fixed concurrency to the
 *     real webhook (verify, decrypt, durable inbox, 204) of the real Nest app (its own process); notifications/s
 *     and answer-time percentiles (target ≥ 3,000/s, p99 < 50 ms). Twice: the answer path alone (inbox worker
 *     paused), then with the inbox worker and the outbox relay draining on the same cores. The notifications
 *     name orders the service does not know, so the worker only checks, rejects and publishes them.
 * (b) whole payments: CreatePayment over mutual-TLS gRPC → risk → vault → UnionPay hold (TLS switch simulator)
 *     → WeChat Pay order (simulator) → the payer pays → signed notification → webhook → completion on UnionPay →
 *     CAPTURE in the ledger, closed loop; payments/s and create→captured-in-ledger percentiles (target ≥ 300/s,
 *     p99 < 500 ms). Every service runs as its own process as `npm start` runs it: payment
 *     (apps/payment/src/main.ts), tokenization, risk (its default rules without the per-card velocity limit), both
 *     simulators. BENCH_STAND_INS=on replaces risk and the vault with in-process gRPC stand-ins.
 * Each run also prints the CPU time per notification / payment of every process involved (cpu-usage.ts) and what
 * other people's processes took meanwhile: on a shared 2-core machine the figures mean little without it.
 */
import { benchInfra } from '../support/infra';
import { machineLine, printTable } from '../support/stats';
import { ingestion, wholePayments } from './payment-runs';

async function main(): Promise<void> {
  const infra = await benchInfra();
  try {
    const only = process.env.BENCH_PAYMENT_ONLY;
    const rows: Record<string, string | number>[] = [];
    if (only !== 'b') {
      rows.push(await ingestion(false));
      rows.push(await ingestion(true));
    }
    if (only !== 'a') rows.push(await wholePayments());
    console.log(`\nmachine: ${machineLine()}`);
    printTable('payment service', rows);
  } finally {
    await infra.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
