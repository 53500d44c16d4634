/**
 * Benchmark (b): RiskEngine.Evaluate over gRPC with mutual TLS against the real service (a child process running
 * main.ts), driven at a fixed rate by the open-loop generator in a second child process. Three processes, so that
 * each one's event loop and GC can be measured on its own and a tail attributed to the one it sits in: the client's
 * view (from the intended send time), the generator's lateness, the service's own handler time, and the event-loop
 * delay and GC pauses of both the service and the generator over the same timed window.
 */
import { fork, spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { loadavg, tmpdir } from 'os';
import { join } from 'path';
import { createTestDatabase, ensureDevPki, uniqueName } from '@wxpay/testing';
import { RISK_MIGRATIONS } from '../../apps/risk/src/persistence/migrations';
import { percentile } from '../support/stats';
import { type GeneratorClient, type LoadJob, type LoadReport } from './load-generator';
import { type ProbeReport } from './loop-probe';
import { MachineCpuWindow } from './machine-cpu';
import { ask, bucketPercentiles, evaluateBuckets, freePort, waitReady } from './service-process';
import { attributeTail } from './tail-attribution';

const ROOT = join(__dirname, '..', '..');
const TS_REGISTER = join(ROOT, 'tools/ts-register.js');
type Row = Record<string, string | number>;

export interface GrpcRunOptions {
  durability: 'async' | 'sync';
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Writes a CPU profile of the service (node --cpu-prof) into this folder. */
  profileDir?: string;
  /** Extra environment for the service (e.g. to compare settings). */
  serviceEnv?: Record<string, string>;
  /** Record every pause and slow call in both processes and say which pauses the slow calls overlap. */
  timeline?: boolean;
  /** The generator's client (see GeneratorClient); frames by default. */
  client?: GeneratorClient;
  /** Extra node/V8 flags for the service and for the generator (e.g. GC settings, --trace-gc). */
  serviceFlags?: string[];
  generatorFlags?: string[];
}

const f2 = (n: number) => n.toFixed(2);
const SLOW_MS = 5;

/** The slow calls by the pause that overlaps them most (see tail-attribution.ts). */
function tailRow(calls: NonNullable<LoadReport['calls']>, server: ProbeReport, gen: ProbeReport): Row {
  const pauses = (p: ProbeReport) => ({ gc: p.gcPauses ?? [], stalls: p.stalls ?? [] });
  const { slow, by } = attributeTail(calls, pauses(server), pauses(gen), SLOW_MS);
  return {
    [`calls > ${SLOW_MS} ms`]: slow,
    ...Object.fromEntries(Object.entries(by).map(([cause, n]) => [`  overlapping ${cause}`, n])),
  };
}

export async function grpcRun(o: GrpcRunOptions): Promise<Row> {
  const pki = mkdtempSync(join(tmpdir(), 'bench-risk-pki-'));
  const db = await createTestDatabase({ migrations: RISK_MIGRATIONS, label: 'bench_risk' });
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  await ensureDevPki({ dir: pki, services: ['risk', 'payment'] });
  const profile = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [];
  const service = spawn(
    process.execPath,
    [
      ...profile,
      ...(o.serviceFlags ?? []),
      '-r',
      TS_REGISTER,
      '-r',
      join(__dirname, 'loop-probe.ts'),
      join(ROOT, 'apps/risk/src/main.ts'),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_LOOP_PROBE: o.timeline ? 'timeline' : 'on',
        RISK_DATABASE_URL: db.url,
        PKI_DIR: pki,
        RISK_GRPC_PORT: String(grpcPort),
        RISK_HTTP_PORT: String(httpPort),
        RISK_CONSUMER_GROUP: uniqueName('bench-risk'),
        RISK_DECISION_DURABILITY: o.durability,
        RISK_STREAM: 'off', // (b) measures Evaluate; (c) measures the stream
        LOG_LEVEL: 'warn',
        ...o.serviceEnv,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let generator: ChildProcess | undefined;
  try {
    await waitReady(`http://127.0.0.1:${httpPort}/health/ready`, service);
    const metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
    generator = fork(join(__dirname, 'load-generator.ts'), [], {
      execArgv: ['--expose-gc', ...(o.generatorFlags ?? []), '-r', TS_REGISTER],
    });
    const gen = generator;
    const job: LoadJob = {
      address: `127.0.0.1:${grpcPort}`,
      pkiDir: pki,
      rate: o.rate,
      seconds: o.seconds,
      warmupSeconds: o.warmupSeconds,
      tag: o.durability,
      client: o.client ?? 'frames',
      timeline: o.timeline ?? false,
    };
    let before = new Map<number, number>();
    let loadAtStart = '';
    const machine = new MachineCpuWindow();
    const report = await new Promise<LoadReport>((resolve, reject) => {
      gen.on('message', (m: { ready?: boolean; report?: LoadReport; error?: string }) => {
        if (m.ready) {
          // Open the service's windows just before the timed run (the warm-up is behind us).
          void Promise.all([evaluateBuckets(metricsUrl), ask(service, { probe: 'reset' }, 'reset')]).then(
            ([b]) => {
              before = b;
              loadAtStart = loadavg()[0]!.toFixed(2);
              machine.reset();
              gen.send({ go: true });
            },
            reject,
          );
        } else if (m.report) resolve(m.report);
        else if (m.error) reject(new Error(`the load generator failed: ${m.error}`));
      });
      gen.once('exit', (code) => code && reject(new Error(`the load generator exited with ${code}`)));
      gen.send(job);
    });
    const [{ report: server }, after] = await Promise.all([
      ask<{ report: ProbeReport }>(service, { probe: 'report' }, 'report'),
      evaluateBuckets(metricsUrl),
    ]);
    const foreign = machine.foreign([service.pid!, gen.pid!, process.pid]);
    const [server50, server99, server999] = bucketPercentiles(before, after, [50, 99, 99.9]);
    for (const [k, v] of report.errors) console.log(`(b) ${o.durability}: ${v} calls failed: ${k}`);
    for (const t of foreign?.top ?? [])
      console.log(`(b) ${o.durability}: meanwhile, another process used ${t}`);
    await new Promise((res) => setTimeout(res, 300));
    const [{ n }] = (await db.dataSource.query(`SELECT count(*) AS n FROM risk_decision`)) as { n: string }[];
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const lat = sorted(report.fromIntended);
    const send = sorted(report.fromSend);
    const lag = sorted(report.sendLag);
    const client = report.probe;
    return {
      path: `${o.durability === 'sync' ? 'durable before answer' : 'stored async (batched)'}`,
      client: o.client ?? 'frames',
      load: loadAtStart,
      // Percent of one core during the timed window; the machine has two.
      'cpu % pg/kafka/others': foreign ? `${foreign.postgres}/${foreign.kafka}/${foreign.others}` : '-',
      'calls/s': Math.round(lat.length / report.seconds),
      'p50 ms': f2(percentile(lat, 50)),
      'p99 ms': f2(percentile(lat, 99)),
      'p99.9 ms': f2(percentile(lat, 99.9)),
      'max ms': f2(lat[lat.length - 1] ?? NaN),
      'p99 from send ms': f2(percentile(send, 99)),
      'gen lag p99/max': `${f2(percentile(lag, 99))}/${f2(lag[lag.length - 1] ?? NaN)}`,
      'server p50/p99/p99.9 ms': `${server50} / ${server99} / ${server999}`,
      'server loop p99/max': `${f2(server.loopP99)}/${f2(server.loopMax)}`,
      'server gc n/max/Σ ms': `${server.gcCount}/${f2(server.gcMaxMs)}/${f2(server.gcTotalMs)}`,
      'server cpu %': Math.round((100 * server.cpuMs) / server.wallMs),
      'server preempted/s': Math.round((1000 * server.involuntarySwitches) / server.wallMs),
      'gen loop p99/max': `${f2(client.loopP99)}/${f2(client.loopMax)}`,
      'gen gc n/max/Σ ms': `${client.gcCount}/${f2(client.gcMaxMs)}/${f2(client.gcTotalMs)}`,
      'gen cpu %': Math.round((100 * client.cpuMs) / client.wallMs),
      'gen preempted/s': Math.round((1000 * client.involuntarySwitches) / client.wallMs),
      ...(report.calls ? tailRow(report.calls, server, client) : {}),
      errors: report.errors.reduce((a, [, v]) => a + v, 0),
      decisions: report.decisions.map(([d, n]) => `${d} ${n}`).join(', '),
      stored: Number(n),
    };
  } finally {
    generator?.kill('SIGTERM');
    service.kill('SIGTERM');
    await new Promise((r) => (service.exitCode !== null ? r(undefined) : service.once('exit', r)));
    await db.drop();
    rmSync(pki, { recursive: true, force: true });
  }
}
