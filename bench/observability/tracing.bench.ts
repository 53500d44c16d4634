/*
 * What tracing costs: the webhook-intake benchmark and the whole-payment benchmark of payment.bench.ts, each with
 * tracing off (no OTLP endpoint: the default), on at 100 % sampling and on at 10 %, in one run on the same
 * machine, exporting over OTLP/HTTP to a receiver in this process that only counts what arrives (a collector's
 * stand-in). The modes alternate for BENCH_TRACING_ROUNDS rounds (default 2), so drift in the machine's load falls
 * on all three; the table gives each mode's median of the rounds.
 */
import { OtlpReceiver } from '@wxpay/testing';
import { ingestion, wholePayments } from '../payment/payment-runs';
import { benchInfra } from '../support/infra';
import { machineLine, printTable } from '../support/stats';

const ROUNDS = Number(process.env.BENCH_TRACING_ROUNDS ?? 2);
const MODES = [
  { mode: 'tracing off', ratio: undefined },
  { mode: 'tracing 100 %', ratio: '1' },
  { mode: 'tracing 10 %', ratio: '0.1' },
] as const;

type Row = Record<string, string | number>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  const receiver = await new OtlpReceiver({ keep: false }).start();
  const results = new Map<string, Row[]>();
  const record = (key: string, row: Row) => results.set(key, [...(results.get(key) ?? []), row]);
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { mode, ratio } of MODES) {
        const env: Record<string, string> = ratio
          ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER_ARG: ratio }
          : {};
        const before = receiver.received.bytes;
        console.log(`round ${round}: ${mode}`);
        record(`(a) webhook intake, ${mode}`, await ingestion(false, env));
        record(`(b) whole payments, ${mode}`, await wholePayments(env));
        console.log(`  exported ${((receiver.received.bytes - before) / 1e6).toFixed(1)} MB of spans`);
      }
    }
    const rows: Row[] = [...results].map(([benchmark, runs]) => {
      const figure = (k: string) => median(runs.map((r) => Number(r[k])));
      return {
        benchmark,
        rounds: runs.length,
        'per second': Math.round(figure('per second')),
        'p50 ms': figure('p50 ms').toFixed(1),
        'p99 ms': figure('p99 ms').toFixed(1),
        'each round /s': runs.map((r) => r['per second']).join(' '),
      };
    });
    console.log(`\nmachine: ${machineLine()}`);
    printTable('tracing off and on (medians of the rounds)', rows);
  } finally {
    await receiver.stop();
    await infra.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
