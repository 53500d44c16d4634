/**
 * Risk engine benchmarks (bench/risk):
 *  (a) in-process evaluation of the default rule set on synthetic traffic, beside json-rules-engine evaluating the
 *      same rules on the same events in the same run;
 *  (b) RiskEngine.Evaluate over gRPC with mutual TLS against the real service (a child process running main.ts),
 *      open loop at a fixed rate, with decisions stored asynchronously and, second row, durably before answering;
 *  (c) the Kafka lifecycle stream: events/s from payments.lifecycle.v1 into the windows (inbox transaction per event).
 */
import { spawn, type ChildProcess } from 'child_process';
import { randomUUID } from 'crypto';
import { readFileSync, mkdtempSync, rmSync } from 'fs';
import { createServer } from 'net';
import { loadavg, tmpdir } from 'os';
import { join } from 'path';
import { protoPath } from '@wxpay/contracts';
import { createGrpcClient, loadProtos, unaryCall } from '@wxpay/grpc';
import { createKafka, OutboxRelay } from '@wxpay/messaging';
import { createMetrics } from '@wxpay/observability';
import {
  createTestDatabase,
  createTestTopic,
  ensureDevPki,
  testBrokers,
  testKafka,
  uniqueName,
} from '@wxpay/testing';
import pino from 'pino';
import { DEFAULT_FX_RATES, toCnyFen } from '../../apps/risk/src/engine/fx-rates';
import { RiskEngine } from '../../apps/risk/src/engine/risk-engine';
import { subjectOfAttempt } from '../../apps/risk/src/engine/subjects';
import { loadRiskConfig } from '../../apps/risk/src/config';
import { RISK_MIGRATIONS } from '../../apps/risk/src/persistence/migrations';
import { RiskRuntime } from '../../apps/risk/src/risk-runtime';
import { compileRuleSetText } from '../../apps/risk/src/rules/rule-set-compiler';
import { ruleSetSchema } from '../../apps/risk/src/rules/rule-set.schema';
import { RiskState } from '../../apps/risk/src/state/risk-state';
import { WindowKind } from '../../apps/risk/src/state/window-kinds';
import { benchInfra } from '../support/infra';
import { machineLine, printTable, summarize } from '../support/stats';
import { jsonRulesEngineFor } from './json-rules-engine-adapter';
import { generateTraffic, type TrafficItem } from './traffic';

const ROOT = join(__dirname, '..', '..');
const RULES_FILE = join(ROOT, 'apps/risk/rules/default.json');
const IN_PROCESS_EVENTS = Number(process.env.BENCH_RISK_EVENTS ?? 50_000);
const GRPC_RATE = Number(process.env.BENCH_RISK_RATE ?? 1000);
const GRPC_SECONDS = Number(process.env.BENCH_RISK_SECONDS ?? 5);
const STREAM_EVENTS = Number(process.env.BENCH_RISK_STREAM_EVENTS ?? 20_000);
const logger = pino({ level: 'error' });
type Row = Record<string, string | number>;

const us = (ms: number) => (ms * 1000).toFixed(1);

// ---------------------------------------------------------------- (a) in-process, beside json-rules-engine

function subjectOf(item: TrafficItem) {
  const a = item.attempt;
  const s = subjectOfAttempt(a, toCnyFen(a.amountMinor, a.currency, DEFAULT_FX_RATES)!);
  return item.kind === 'attempt' ? s : { ...s, eventType: item.kind };
}

async function inProcess(): Promise<Row[]> {
  const text = readFileSync(RULES_FILE, 'utf8');
  const compiled = compileRuleSetText(text, RULES_FILE);
  const doc = ruleSetSchema.parse(JSON.parse(text));
  const items = generateTraffic({ attempts: IN_PROCESS_EVENTS });
  const attempts = items.filter((i) => i.kind === 'attempt').length;

  // Ours: windows updated, rules run, reasons explained, geo moved, lifecycle facts applied between attempts.
  const runOurs = (timed: boolean) => {
    const state = new RiskState();
    const rules = { live: compiled, shadow: null, loadedAt: 0 };
    const engine = new RiskEngine(state, () => rules);
    const samples: number[] = [];
    const decisions: string[] = [];
    const t0 = performance.now();
    for (const item of items) {
      if (item.kind !== 'attempt') {
        engine.apply(subjectOf(item));
        continue;
      }
      const s0 = timed ? performance.now() : 0;
      const { live } = engine.evaluate(subjectOf(item));
      if (timed) samples.push(performance.now() - s0);
      decisions.push(live.decision);
    }
    return { seconds: (performance.now() - t0) / 1000, samples, decisions };
  };

  const runJre = async (timed: boolean) => {
    const state = new RiskState();
    const jre = jsonRulesEngineFor(doc);
    const samples: number[] = [];
    const decisions: string[] = [];
    const t0 = performance.now();
    for (const item of items) {
      const s = subjectOf(item);
      if (item.kind !== 'attempt') {
        state.applyFact(s);
        continue;
      }
      const s0 = timed ? performance.now() : 0;
      state.recordAttempt(s);
      const v = await jre.evaluate(state.frame(s));
      state.noteOutcome(s, v.decision);
      if (timed) samples.push(performance.now() - s0);
      decisions.push(v.decision);
    }
    return { seconds: (performance.now() - t0) / 1000, samples, decisions };
  };

  runOurs(false); // warm-up
  const ours = runOurs(false);
  const oursTimed = runOurs(true);
  await runJre(false);
  const jre = await runJre(false);
  const jreTimed = await runJre(true);
  const agree = ours.decisions.filter((d, i) => d === jre.decisions[i]).length;
  const mix = (ds: string[]) =>
    ['APPROVE', 'REVIEW', 'REJECT'].map((d) => ds.filter((x) => x === d).length).join('/');
  const s1 = summarize(oursTimed.samples);
  const s2 = summarize(jreTimed.samples);
  const rate1 = attempts / ours.seconds;
  const rate2 = attempts / jre.seconds;
  console.log(
    `(a) ${attempts} attempts (+${items.length - attempts} lifecycle facts), ${compiled.ruleCount} rules; ` +
      `decisions agree on ${agree}/${attempts}; approve/review/reject = ${mix(ours.decisions)}; ` +
      `compiled is ${(rate1 / rate2).toFixed(0)}× json-rules-engine`,
  );
  return [
    {
      engine: 'compiled closures (apps/risk)',
      'events/s': Math.round(rate1),
      'p50 µs': us(s1.p50),
      'p99 µs': us(s1.p99),
      'max µs': us(s1.max),
    },
    {
      engine: 'json-rules-engine 7 (same rules, facts, state)',
      'events/s': Math.round(rate2),
      'p50 µs': us(s2.p50),
      'p99 µs': us(s2.p99),
      'max µs': us(s2.max),
    },
  ];
}

// ---------------------------------------------------------------- (b) gRPC over mTLS, open loop

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the risk service exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the risk service did not become ready');
}

/** Upper bound of the histogram bucket holding the p-th percentile of the service's own Evaluate timings. */
async function serverPercentiles(metricsUrl: string, ps: number[]): Promise<string[]> {
  const text = await (await fetch(metricsUrl)).text();
  const buckets: [number, number][] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('risk_grpc_call_seconds_bucket{') || !line.includes('method="Evaluate"')) continue;
    if (!line.includes('code="0"')) continue;
    const le = /le="([^"]+)"/.exec(line)![1]!;
    buckets.push([le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1))]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  return ps.map((p) => {
    const hit = buckets.find(([, n]) => n >= (p / 100) * total);
    return hit ? `≤ ${(hit[0] * 1000).toFixed(2)}` : '-';
  });
}

interface LoadResult {
  sendLatencies: number[];
  scheduleLatencies: number[];
  errors: Map<string, number>;
  seconds: number;
}

/** Sends `rate` calls per second for `seconds`, on schedule whatever the answers (open loop). */
function openLoop(rate: number, seconds: number, call: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const res: LoadResult = { sendLatencies: [], scheduleLatencies: [], errors: new Map(), seconds: 0 };
  return new Promise((resolve) => {
    const start = performance.now();
    let sent = 0;
    let done = 0;
    const finish = () => {
      if (++done === total) {
        res.seconds = (performance.now() - start) / 1000;
        resolve(res);
      }
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) {
        const scheduled = start + (sent * 1000) / rate;
        const at = performance.now();
        call(sent++).then(
          () => {
            const now = performance.now();
            res.sendLatencies.push(now - at);
            res.scheduleLatencies.push(now - scheduled);
            finish();
          },
          (e: { code?: number; details?: string }) => {
            const key = `${e.code ?? '?'} ${e.details ?? String(e)}`.slice(0, 80);
            res.errors.set(key, (res.errors.get(key) ?? 0) + 1);
            finish();
          },
        );
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

async function grpcRun(durability: 'async' | 'sync'): Promise<Row> {
  const pki = mkdtempSync(join(tmpdir(), 'bench-risk-pki-'));
  const db = await createTestDatabase({ migrations: RISK_MIGRATIONS, label: 'bench_risk' });
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  await ensureDevPki({ dir: pki, services: ['risk', 'payment'] });
  // BENCH_RISK_PROFILE=<dir> writes a CPU profile of the service (node --cpu-prof) there.
  const dir = process.env.BENCH_RISK_PROFILE;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, '-r', join(ROOT, 'tools/ts-register.js'), join(ROOT, 'apps/risk/src/main.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        RISK_DATABASE_URL: db.url,
        PKI_DIR: pki,
        RISK_GRPC_PORT: String(grpcPort),
        RISK_HTTP_PORT: String(httpPort),
        RISK_CONSUMER_GROUP: uniqueName('bench-risk'),
        RISK_DECISION_DURABILITY: durability,
        RISK_STREAM: 'off', // (b) measures Evaluate; (c) measures the stream
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  try {
    await waitReady(`http://127.0.0.1:${httpPort}/health/ready`, child);
    const pkg = loadProtos([protoPath('gateway/risk/v1/risk.proto')]);
    const tls = {
      enabled: true as const,
      ca: readFileSync(join(pki, 'ca.crt')),
      cert: readFileSync(join(pki, 'payment.crt')),
      key: readFileSync(join(pki, 'payment.key')),
    };
    const client = createGrpcClient(pkg, 'gateway.risk.v1.RiskEngine', `127.0.0.1:${grpcPort}`, tls);
    const traffic = generateTraffic({ attempts: GRPC_RATE * (GRPC_SECONDS + 1), seed: 7 }).filter(
      (i) => i.kind === 'attempt',
    );
    const call = (i: number) => {
      const a = traffic[i % traffic.length]!.attempt;
      return unaryCall(
        client,
        'Evaluate',
        {
          attempt_id: `${a.attemptId}-${durability}-${i}`,
          card_token: a.cardToken,
          amount_minor: String(a.amountMinor),
          currency: a.currency,
          merchant_id: a.merchantId,
          mcc: a.mcc,
          scene: a.scene,
          payer_id: a.payerId,
          device_id: a.deviceId,
          ip: a.ip,
          geo: { coordinates: a.geo.point, country: a.geo.country, city: a.geo.city },
          occurred_at: new Date().toISOString(),
        },
        { deadlineMs: 1000 },
      );
    };
    await call(0); // the TLS connection
    await openLoop(GRPC_RATE, 1, call); // warm-up: JIT, pools
    const r = await openLoop(GRPC_RATE, GRPC_SECONDS, call);
    client.close();
    const s = summarize(r.sendLatencies);
    const sorted = [...r.sendLatencies].sort((a, b) => a - b);
    const p999 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.999) - 1)] ?? NaN;
    const sched = summarize(r.scheduleLatencies);
    const errorCount = [...r.errors.values()].reduce((a, b) => a + b, 0);
    for (const [k, v] of r.errors) console.log(`(b) ${durability}: ${v} calls failed: ${k}`);
    await new Promise((res) => setTimeout(res, 300));
    // The service's own view (from receipt to answer, without the client's share of the CPU), warm-up included.
    const metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
    const [server50, server99] = await serverPercentiles(metricsUrl, [50, 99]);
    const [{ n }] = (await db.dataSource.query(`SELECT count(*) AS n FROM risk_decision`)) as { n: string }[];
    return {
      path: `Evaluate, mTLS, ${durability === 'sync' ? 'durable before answer' : 'stored async (batched)'}`,
      'calls/s': Math.round(r.sendLatencies.length / r.seconds),
      'p50 ms': s.p50.toFixed(2),
      'p99 ms': s.p99.toFixed(2),
      'p99.9 ms': p999.toFixed(2),
      'max ms': s.max.toFixed(1),
      'p99 from schedule ms': sched.p99.toFixed(2),
      'server p50 ms': server50!,
      'server p99 ms': server99!,
      errors: errorCount,
      'decisions stored': Number(n),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    await db.drop();
    rmSync(pki, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- (c) Kafka stream into the windows

async function stream(): Promise<Row> {
  const db = await createTestDatabase({ migrations: RISK_MIGRATIONS, label: 'bench_risk_stream' });
  const topics = {
    payments: await createTestTopic('bench-payments', 6),
    cards: await createTestTopic('bench-cards', 1),
    decisions: await createTestTopic('bench-decisions', 1),
    alerts: await createTestTopic('bench-alerts', 1),
  };
  const now = Date.now();
  const items = generateTraffic({
    attempts: STREAM_EVENTS,
    cards: 5000,
    start: now - 3_600_000,
    ratePerSecond: 10,
  });
  const kinds = [
    'PaymentCaptured',
    'PaymentAuthorized',
    'PaymentFailed',
    'PaymentCaptured',
    'PaymentRefunded',
  ];
  const events = items
    .filter((i) => i.kind === 'attempt')
    .map((item, i) => {
      const a = item.attempt;
      const paymentId = `pay-${randomUUID()}`;
      return {
        key: paymentId,
        card: a.cardToken,
        type: kinds[i % kinds.length]!,
        value: JSON.stringify({
          id: randomUUID(),
          type: kinds[i % kinds.length],
          version: 1,
          occurredAt: new Date(Math.min(a.at, now)).toISOString(),
          aggregateId: paymentId,
          traceId: paymentId,
          payload: {
            paymentId,
            cardToken: a.cardToken,
            amount: { minor: a.amountMinor, currency: a.currency },
            merchantId: a.merchantId,
            mcc: a.mcc,
            scene: a.scene,
            deviceId: a.deviceId,
            ip: a.ip,
            geo: { lat: a.geo.point!.lat, lon: a.geo.point!.lon, country: a.geo.country, city: a.geo.city },
            ...(kinds[i % kinds.length] === 'PaymentRefunded' ? { refundId: `rf-${paymentId}` } : {}),
          },
        }),
      };
    });
  const producer = testKafka('bench-risk-producer').producer();
  await producer.connect();
  for (let i = 0; i < events.length; i += 1000) {
    await producer.send({
      topic: topics.payments,
      messages: events.slice(i, i + 1000).map(({ key, value }) => ({ key, value })),
    });
  }
  await producer.disconnect();

  const kafka = createKafka({ clientId: 'bench-risk', brokers: testBrokers(), logger });
  const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, logger });
  await relay.start();
  const runtime = new RiskRuntime({
    config: loadRiskConfig({
      RISK_GRPC_PORT: '0',
      RISK_CONSUMER_GROUP: uniqueName('bench-stream'),
      RISK_RULES_WATCH: 'off',
    }),
    dataSource: db.dataSource,
    kafka,
    logger,
    metrics: createMetrics({ service: 'bench-risk', defaultMetrics: false }),
    tls: { enabled: false },
    suspender: { suspend: async () => undefined },
    topics,
  });
  // Every consumed message leaves one inbox row (applied or dead-lettered).
  const count = async () =>
    Number(((await db.dataSource.query(`SELECT count(*) AS n FROM inbox_message`)) as { n: string }[])[0]!.n);
  const deadline = Date.now() + 120_000;
  await runtime.start();
  let first = 0;
  let firstCount = 0;
  for (;;) {
    const n = await count();
    if (!first && n > 0) {
      first = performance.now();
      firstCount = n;
    }
    if (n >= events.length) break;
    if (Date.now() > deadline)
      throw new Error(`the stream consumed ${n} of ${events.length} events in 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - first) / 1000;
  // the windows hold what was consumed: check a few cards against the produced events
  const sample = [...new Set(events.slice(0, 50).map((e) => e.card))].slice(0, 5);
  const at = Date.now() + 1000;
  const windowsOk = sample.every((card) => {
    const expected = (type: string) => events.filter((e) => e.card === card && e.type === type).length;
    const sum = (k: number) => runtime.state.windows.sum('card', card, k as 0, 'count', 24 * 3_600_000, at);
    return (
      sum(WindowKind.DECLINE) === expected('PaymentFailed') &&
      sum(WindowKind.CAPTURE) === expected('PaymentCaptured')
    );
  });
  const alerts = await db.dataSource.query(`SELECT count(*) AS n FROM risk_alert`);
  const dead = await db.dataSource.query(
    `SELECT count(*) AS n FROM inbox_message WHERE outcome <> 'processed'`,
  );
  await runtime.stop();
  await relay.stop();
  await db.drop();
  return {
    path: 'payments.lifecycle.v1 (6 partitions) → inbox tx + changelog → windows',
    events: events.length,
    'events/s': Math.round((events.length - firstCount) / seconds),
    'windows match': windowsOk ? 'yes' : 'NO',
    alerts: Number(alerts[0].n),
    'dead-lettered': Number(dead[0].n),
  };
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  // BENCH_RISK_ONLY=a|b|c (any combination) runs a subset.
  const only = process.env.BENCH_RISK_ONLY ?? 'abc';
  try {
    // The machine is shared: the load average says how much of it this run had.
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    console.log(`machine: ${machineLine()}; load average at start ${load}`);
    // (b) first: its client shares this process, and (a) leaves a large heap to collect.
    if (only.includes('b')) {
      const rows = [await grpcRun('async'), await grpcRun('sync')];
      const title = `(b) RiskEngine.Evaluate over gRPC + mTLS at ${GRPC_RATE} calls/s for ${GRPC_SECONDS} s`;
      printTable(`${title} (target p99 < 5 ms)`, rows);
    }
    if (only.includes('a')) {
      const rows = await inProcess();
      printTable('(a) in-process evaluation, default rule set (target ≥ 20× json-rules-engine)', rows);
    }
    if (only.includes('c')) {
      printTable('(c) Kafka lifecycle stream with windows updated (target ≥ 5,000 events/s)', [
        await stream(),
      ]);
    }
  } finally {
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
