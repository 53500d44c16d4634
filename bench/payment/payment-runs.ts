/*
 * The two payment benchmarks as functions, for payment.bench.ts and for benchmarks that run them under other
 * settings (tracing.bench.ts): (a) webhook intake against the real Nest app, (b) whole payments through every
 * service as its own process. `env` is added to the payment service's environment (and, for (b), to risk's and
 * the vault's).
 */
import { mkdtemp, readFile, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { createTestDatabase, freePort, TsProcess, workspaceRoot } from '@wxpay/testing';
import { PAYMENT_MIGRATIONS } from '../../apps/payment/src/persistence/migrations';
import { E2eCluster, type TestCard } from '../../apps/payment/test/support/e2e-cluster';
import { cpuBetween, cpuLine, cpuSnapshot } from './cpu-usage';
import { summarize } from '../support/stats';
import { postAll, wechatPayKeys } from './webhook-load';

const INGEST_NOTIFICATIONS = Number(process.env.BENCH_INGEST_N ?? 6_000);
const INGEST_CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 32);
const PAYMENT_SECONDS = Number(process.env.BENCH_PAYMENT_SECONDS ?? 10);
const PAYMENT_CONCURRENCY = Number(process.env.BENCH_PAYMENT_CONCURRENCY ?? 16);
const CARDS = Number(process.env.BENCH_CARDS ?? 64);

/**
 * BENCH_PAYMENT_NODE_OPTIONS: Node options for the payment process only (e.g. `--cpu-prof --cpu-prof-dir=…`, or a
 * `--require` of a query counter), so it can be profiled without profiling the rest of the cluster.
 */
function paymentNodeOptions(): Record<string, string> {
  const extra = process.env.BENCH_PAYMENT_NODE_OPTIONS;
  return extra ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${extra}`.trim() } : {};
}

export async function ingestion(
  worker: boolean,
  env: Record<string, string> = {},
): Promise<Record<string, string | number>> {
  const keys = await wechatPayKeys();
  const db = await createTestDatabase({ migrations: PAYMENT_MIGRATIONS, label: 'bench_ingest' });
  const httpPort = await freePort();
  const target = new TsProcess('webhook target', 'bench/payment/webhook-target.ts', {
    ...keys.env,
    BENCH_DATABASE_URL: db.url,
    PAYMENT_HTTP_PORT: String(httpPort),
    PAYMENT_GRPC_PORT: String(await freePort()),
    UNIONPAY_ACQUIRER_BUNDLE: '/unused',
    PAYMENT_RECON_AT: 'off',
    LOG_LEVEL: 'warn',
    BENCH_BACKGROUND: worker ? 'on' : 'off',
    // One profile per run (webhook-target.ts writes it when stopped).
    ...(process.env.BENCH_CPU_PROFILE
      ? { BENCH_CPU_PROFILE: `${process.env.BENCH_CPU_PROFILE}.${worker ? 'worker' : 'intake'}.cpuprofile` }
      : {}),
    ...paymentNodeOptions(),
    ...env,
  }).start();
  try {
    await target.ready(`http://127.0.0.1:${httpPort}/health/ready`);
    const url = `http://127.0.0.1:${httpPort}/notify/wechatpay/transactions`;
    await postAll(url, keys.sign(500), INGEST_CONCURRENCY); // warm-up: connections, JIT, pool
    const notifications = keys.sign(INGEST_NOTIFICATIONS);
    const cpu0 = cpuSnapshot();
    const r = await postAll(url, notifications, INGEST_CONCURRENCY);
    const cpu = cpuBetween(cpu0, cpuSnapshot());
    console.log(cpuLine(`(a) ${worker ? 'worker draining' : 'intake only'}`, cpu, r.ok, r.seconds));
    const s = summarize(r.latenciesMs);
    const [{ n }] = (await db.dataSource.query(`SELECT count(*) AS n FROM webhook_inbox`)) as { n: string }[];
    return {
      benchmark: worker ? '(a) webhook, worker draining' : '(a) webhook, intake only',
      concurrency: INGEST_CONCURRENCY,
      requests: r.sent,
      'answered 204': r.ok,
      'stored rows': Number(n),
      'per second': Math.round(r.ok / r.seconds),
      'p50 ms': s.p50.toFixed(1),
      'p99 ms': s.p99.toFixed(1),
      'max ms': s.max.toFixed(1),
      target: '≥ 3,000/s, p99 < 50 ms',
    };
  } finally {
    await target.stop();
    await db.drop();
  }
}

/**
 * Risk's own default rule set, with the per-card 10-minute velocity limit lifted: the closed loop pays with a
 * few dozen cards many times a minute, which that rule exists to refuse.
 */
async function benchRules(): Promise<string> {
  const rules = JSON.parse(await readFile(join(workspaceRoot(), 'apps/risk/rules/default.json'), 'utf8')) as {
    name: string;
    rules: { id: string; enabled?: boolean }[];
  };
  rules.name = `${rules.name}-bench`;
  rules.rules = rules.rules.filter((r) => r.id !== 'velocity-card-10m');
  const file = join(await mkdtemp(join(tmpdir(), 'payment-bench-rules-')), 'rules.json');
  await writeFile(file, JSON.stringify(rules));
  return file;
}

export async function wholePayments(
  env: Record<string, string> = {},
): Promise<Record<string, string | number>> {
  const cluster = new E2eCluster(
    {
      LOG_LEVEL: 'warn',
      PAYMENT_AWAITING_POLL_MS: '30000',
      PAYMENT_JANITOR_INTERVAL_MS: '1000',
      PAYMENT_LEASE_MS: '30000',
      UNIONPAY_TIMEOUT_MS: '5000',
      ...paymentNodeOptions(),
      ...env,
    },
    {
      realServices: process.env.BENCH_STAND_INS !== 'on',
      riskRulesFile: await benchRules(),
      serviceEnv: env,
    },
  );
  await cluster.start('bench_payments');
  try {
    await cluster.startPaymentProcess();
    // Many cards: the issuer serialises the holds and completions of one card account.
    const cards: TestCard[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (cards.length < CARDS) cards.push(await cluster.seedCard());
      }),
    );
    const started = new Map<string, number>();
    const waiting = new Map<string, () => void>();
    const latencies: number[] = [];
    let polling = true;
    // Captured-in-ledger, read from the ledger itself (its transaction time, same clock as ours), by the payment
    // ids still awaited: a time cursor would miss a capture whose transaction started before one that committed
    // first.
    const poller = (async () => {
      while (polling) {
        const ids = [...waiting.keys()];
        const rows: { payment_id: string; at: Date }[] = ids.length
          ? await cluster.db.dataSource.query(
              `SELECT payment_id, created_at AS at FROM ledger_transaction
                WHERE kind = 'CAPTURE' AND payment_id = ANY($1::uuid[])`,
              [ids],
            )
          : [];
        for (const r of rows) {
          const t0 = started.get(r.payment_id);
          const done = waiting.get(r.payment_id);
          if (t0 !== undefined && done) {
            latencies.push(new Date(r.at).getTime() - t0);
            waiting.delete(r.payment_id);
            done();
          }
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    // Fresh identities: risk's windows must not see earlier runs' payments on the shared topic.
    const merchant = `m-bench-${Date.now().toString(36)}`;
    let completed = 0;
    let failed = 0;
    const failures = new Map<string, number>();
    const fail = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1);
    const deadline = (ms: number) => Date.now() + ms;
    const run = async (seconds: number, record: boolean) => {
      const until = deadline(seconds * 1000);
      await Promise.all(
        Array.from({ length: PAYMENT_CONCURRENCY }, async (_, w) => {
          for (let i = 0; Date.now() < until; i++) {
            const card = cards[(w * 7919 + i) % cards.length]!;
            const t0 = Date.now();
            try {
              const { payment } = await cluster.call<{
                payment: {
                  payment_id: string;
                  out_trade_no: string;
                  status: string;
                  failure: { code: string; reasons: string[] } | null;
                };
              }>(
                'CreatePayment',
                cluster.createRequest(card, 1000 + (i % 500), {
                  merchant_id: merchant,
                  device: { device_id: `bench-device-${w}-${i}` },
                  payer: { openid: `oBench${w}x${i}`, ip: `198.51.${w % 250}.${i % 250}` },
                }),
              );
              if (payment.status !== 'AWAITING_PAYER') {
                throw new Error(
                  `${payment.status} ${payment.failure?.code ?? ''} ${payment.failure?.reasons.join(',') ?? ''}`,
                );
              }
              started.set(payment.payment_id, t0);
              const captured = new Promise<void>((res) => waiting.set(payment.payment_id, res));
              await cluster.wechat.pay(payment.out_trade_no);
              await Promise.race([
                captured,
                new Promise((_r, rej) =>
                  setTimeout(() => {
                    waiting.delete(payment.payment_id);
                    rej(new Error('timeout'));
                  }, 10_000),
                ),
              ]);
              if (record) completed++;
            } catch (e) {
              if (record) {
                failed++;
                fail(e instanceof Error ? e.message : String(e));
              }
            }
          }
        }),
      );
    };
    await run(2, false); // warm-up
    latencies.length = 0;
    const t = Date.now();
    const cpu0 = cpuSnapshot();
    await run(PAYMENT_SECONDS, true);
    const seconds = (Date.now() - t) / 1000;
    console.log(cpuLine('(b) per payment', cpuBetween(cpu0, cpuSnapshot()), completed, seconds));
    polling = false;
    await poller;
    // Where the time goes: mean time to reach each state from the previous one (database clock).
    const steps: { to_status: string; ms: string }[] = await cluster.db.dataSource.query(
      `SELECT to_status, round(avg(d)::numeric, 1)::text AS ms FROM (
         SELECT t.to_status, extract(epoch FROM t.at - coalesce(lag(t.at) OVER (PARTITION BY t.payment_id ORDER BY t.id),
                                                                  p.created_at)) * 1000 AS d
           FROM payment_transition t JOIN payment p ON p.id = t.payment_id) x
        GROUP BY to_status ORDER BY min(d) IS NULL, avg(d) DESC`,
    );
    console.log(`(b) mean ms into each state: ${steps.map((x) => `${x.to_status} ${x.ms}`).join(', ')}`);
    // What the channel client made of its requests (a timed-out one is reversed and retried: a latency outlier).
    const channel: { k: string; n: string }[] = await cluster.db.dataSource.query(
      `SELECT kind || ' ' || state || coalesce(' ' || response_code, '') ||
              CASE WHEN reversal_state = 'none' THEN '' ELSE ' reversal ' || reversal_state END AS k,
              count(*)::text AS n
         FROM unionpay_request GROUP BY 1 ORDER BY count(*) DESC`,
    );
    console.log(`(b) UnionPay requests: ${channel.map((x) => `${x.k}: ${x.n}`).join(', ')}`);
    const s = summarize(latencies);
    if (failures.size) console.log(`(b) failures by cause: ${JSON.stringify(Object.fromEntries(failures))}`);
    return {
      benchmark: '(b) whole payments',
      concurrency: PAYMENT_CONCURRENCY,
      requests: completed + failed,
      'answered 204': '-',
      'stored rows': completed,
      'per second': Math.round(completed / seconds),
      'p50 ms': s.p50.toFixed(0),
      'p99 ms': s.p99.toFixed(0),
      'max ms': s.max.toFixed(0),
      target: `≥ 300/s, p99 < 500 ms (failed: ${failed})`,
    };
  } finally {
    await cluster.stop();
  }
}
