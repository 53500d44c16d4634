/**
 * Risk engine benchmarks (bench/risk):
 *  (a) in-process evaluation of the default rule set on synthetic traffic, beside json-rules-engine evaluating the
 *      same rules on the same events in the same run;
 *  (b) RiskEngine.Evaluate over gRPC with mutual TLS against the real service (a child process running main.ts),
 *      open loop at a fixed rate from a generator in another child process, with decisions stored asynchronously
 *      and, second column, durably before answering (grpc-run.ts);
 *  (c) the Kafka lifecycle stream: events/s from payments.lifecycle.v1 into the windows (inbox transaction per event).
 */
import { randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';
import { createKafka, eventSignerFromEnv, OutboxRelay } from '@wxpay/messaging';
import { NestFactory } from '@nestjs/core';
import { createMetrics, HealthRegistry } from '@wxpay/observability';
import {
  createTestDatabase,
  createTestTopic,
  testKafkaConnection,
  testEventKeys,
  testKafka,
  uniqueName,
} from '@wxpay/testing';
import pino from 'pino';
import { DEFAULT_FX_RATES, toCnyFen } from '../../apps/risk/src/domain/engine/fx-rates';
import { RiskEngine } from '../../apps/risk/src/domain/engine/risk-engine';
import { subjectOfAttempt } from '../../apps/risk/src/domain/engine/subjects';
import { loadRiskConfig } from '../../apps/risk/src/config';
import { RISK_MIGRATIONS } from '../../apps/risk/src/persistence/migrations';
import { RiskAppModule } from '../../apps/risk/src/app.module';
import { Risk } from '../../apps/risk/src/risk-core.module';
import { compileRuleSetText } from '../../apps/risk/src/domain/rules/rule-set-compiler';
import { ruleSetSchema } from '../../apps/risk/src/domain/rules/rule-set.schema';
import { RiskState } from '../../apps/risk/src/domain/state/risk-state';
import { WindowKind } from '../../apps/risk/src/domain/state/window-kinds';
import { benchInfra } from '../support/infra';
import { machineLine, printTable, summarize } from '../support/stats';
import { grpcRun } from './grpc-run';
import { type GeneratorClient } from './load-generator';
import { jsonRulesEngineFor } from './json-rules-engine-adapter';
import { generateTraffic, type TrafficItem } from './traffic';

const ROOT = join(__dirname, '..', '..');
const RULES_FILE = join(ROOT, 'apps/risk/rules/default.json');
const IN_PROCESS_EVENTS = Number(process.env.BENCH_RISK_EVENTS ?? 50_000);
const GRPC_RATE = Number(process.env.BENCH_RISK_RATE ?? 1000);
const GRPC_SECONDS = Number(process.env.BENCH_RISK_SECONDS ?? 10);
const STREAM_EVENTS = Number(process.env.BENCH_RISK_STREAM_EVENTS ?? 20_000);
// BENCH_RISK_PROFILE=<dir> writes a CPU profile of the service in (b) (node --cpu-prof) there.
const PROFILE = process.env.BENCH_RISK_PROFILE;
// BENCH_RISK_SERVICE_FLAGS / BENCH_RISK_GENERATOR_FLAGS: node flags for the two processes of (b), to compare settings.
const flags = (v: string | undefined) => (v ? v.split(/\s+/).filter(Boolean) : []);
const logger = pino({ level: 'error' });
const CLIENTS: GeneratorClient[] = ['frames', 'h2', 'grpc-js'];
const clientOf = (v: string | undefined): GeneratorClient => {
  if (v === undefined) return 'frames';
  if (CLIENTS.includes(v as GeneratorClient)) return v as GeneratorClient;
  throw new Error(`BENCH_RISK_CLIENT must be one of ${CLIENTS.join(', ')}`);
};
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
  const producer = testKafka('bench-risk-producer').publisher();
  // Signed as the payment service: risk applies nothing else.
  const payment = eventSignerFromEnv('payment', testEventKeys().signingEnv('payment'))!;
  for (let i = 0; i < events.length; i += 1000) {
    await producer.send(
      events.slice(i, i + 1000).map(({ key, value }) => ({
        topic: topics.payments,
        key,
        value,
        headers: payment.sign(topics.payments, key, value),
      })),
    );
  }
  await producer.close();

  const kafka = createKafka({ clientId: 'bench-risk', connection: testKafkaConnection(), logger });
  const relay = new OutboxRelay({ dataSource: db.dataSource, kafka, logger });
  await relay.start();
  const parts = {
    logger,
    metrics: createMetrics({ service: 'bench-risk', defaultMetrics: false }),
    health: new HealthRegistry(),
  };
  // The service's modules without its gRPC edge: the lifecycle consumer starts with the context.
  const openRuntime = () =>
    NestFactory.createApplicationContext(
      RiskAppModule.forRoot({
        config: loadRiskConfig({
          RISK_GRPC_PORT: '0',
          RISK_CONSUMER_GROUP: uniqueName('bench-stream'),
          RISK_RULES_WATCH: 'off',
          EVENT_SIGNERS_FILE: testEventKeys().signersFile,
        }),
        parts,
        databaseUrl: db.url,
        kafka: testKafkaConnection(),
        relay: false,
        suspender: { suspend: async () => undefined },
        topics,
      }),
      { logger: false },
    );
  // Every consumed message leaves one inbox row (applied or dead-lettered).
  const count = async () =>
    Number(((await db.dataSource.query(`SELECT count(*) AS n FROM inbox_message`)) as { n: string }[])[0]!.n);
  const deadline = Date.now() + 120_000;
  const context = await openRuntime();
  const runtime = context.get(Risk);
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
  await context.close();
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
    // (b) first: (a) leaves a large heap in this process, and (b) should not share the machine with its collection.
    if (only.includes('b')) {
      const run = (durability: 'async' | 'sync') =>
        grpcRun({
          durability,
          rate: GRPC_RATE,
          seconds: GRPC_SECONDS,
          warmupSeconds: 2,
          profileDir: PROFILE,
          // BENCH_RISK_CLIENT=frames|h2|grpc-js: the generator's client (see load-generator.ts).
          client: clientOf(process.env.BENCH_RISK_CLIENT),
          // BENCH_RISK_TIMELINE=1: which pauses (GC, loop stalls, in which process) the slow calls overlap.
          timeline: process.env.BENCH_RISK_TIMELINE === '1',
          serviceFlags: flags(process.env.BENCH_RISK_SERVICE_FLAGS),
          generatorFlags: flags(process.env.BENCH_RISK_GENERATOR_FLAGS),
        });
      // BENCH_RISK_DURABILITY=async|sync runs one of the two.
      const modes = (['async', 'sync'] as const).filter(
        (m) => (process.env.BENCH_RISK_DURABILITY ?? m) === m,
      );
      const rows: Record<string, Row> = {};
      for (const mode of modes) rows[mode] = await run(mode);
      const title = `(b) RiskEngine.Evaluate over gRPC + mTLS at ${GRPC_RATE} calls/s for ${GRPC_SECONDS} s`;
      // One column per run: the rows are many, and latencies are from each call's intended send time.
      const byMetric = Object.keys(rows[modes[0]!]!).map((metric) => ({
        metric,
        ...Object.fromEntries(modes.map((m) => [m, rows[m]![metric]!])),
      }));
      printTable(`${title} (target p99 < 5 ms; latency from the intended send time)`, byMetric);
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
