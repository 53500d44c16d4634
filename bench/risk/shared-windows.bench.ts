/**
 * Shared velocity windows (issue 21 item 2): what the window work of one Evaluate (record the attempt in the card's,
 * device's, IP's and merchant's windows, then read the sums the default rules read) costs in three stores, from two
 * replicas (two processes) writing the same keys:
 *  (a) today's in-process WindowStore, one per replica (the baseline; nothing is shared);
 *  (b) Redis: minute and hour rings per key in hashes, one Lua script per evaluation (one round trip, and atomic:
 *      the read sees every attempt recorded before it, from either replica);
 *  (c) PostgreSQL: a bucket table, one statement per evaluation (UPSERT in a CTE, sums in the main query).
 * Open loop at each rate of BENCH_SW_RATES (1000,3000 evaluations/s, split evenly between the replicas) for
 * BENCH_SW_SECONDS (10) after BENCH_SW_WARMUP_SECONDS (3), stores alternating in BENCH_ROUNDS (2) rounds so drift
 * of this shared machine falls on all of them. Then a consistency check (a fixed sequence of attempts and declines
 * on three cards sent alternately through the two replicas, then read through both) and a burst check (both
 * replicas evaluate the same card at once: an atomic store hands every evaluation a distinct count).
 *
 * It needs PostgreSQL and Redis on this machine (WXPAY_TEST_DATABASE_SERVER, BENCH_REDIS_URL), not Kafka: it does
 * not start the test infrastructure. Server CPU is read from Redis's INFO cpu and from /proc for every postgres
 * process (pg_stat_statements is not loaded on these servers, and would not count the WAL writer's share).
 */
import { fork, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { createClient, type RedisClientType } from '@redis/client';
import { createTestDatabase } from '@wxpay/testing';
import { WindowKind } from '../../apps/risk/src/domain/state/window-kinds';
import { machineLine, printTable, summarize } from '../support/stats';
import { MachineCpuWindow } from './machine-cpu';
import {
  type LoadResult,
  type Population,
  type ReplicaRequest,
  type StoreName,
} from './shared-windows-replica';
import {
  BUCKET_TABLE_DDL,
  InProcessWindows,
  evaluationReads,
  type WindowSubject,
} from './shared-windows-stores';

const RATES = (process.env.BENCH_SW_RATES ?? '1000,3000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SW_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_SW_WARMUP_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PG_POOL = Number(process.env.BENCH_PG_POOL ?? 4);
// Velocity counters are soft state, as Redis's (AOF every second at best) are: a crash may lose the last moments.
const PG_SYNC_COMMIT = process.env.BENCH_PG_SYNC_COMMIT ?? 'off';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const STORES: StoreName[] = ['in-process', 'redis', 'postgres'];
const POPULATION: Population = {
  cards: 100_000,
  devicesPerCard: 2,
  ips: 50_000,
  ipZipf: 0.8,
  merchants: 10_000,
  merchantZipf: 1.0,
};
const TICK_MS = 10; // USER_HZ

class Replica {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(readonly name: string) {
    this.child = fork(join(__dirname, 'shared-windows-replica.ts'), [], {
      execArgv: ['-r', join(__dirname, '../../tools/ts-register.js')],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`replica ${name} exited (${code})`)));
      this.child.on('message', (m: { ready?: true; id?: number; result?: unknown; error?: string }) => {
        if (m.ready) return resolve();
        const w = this.waiting.get(m.id!);
        if (!w) return;
        this.waiting.delete(m.id!);
        if (m.error) w.reject(new Error(`replica ${name}: ${m.error}`));
        else w.resolve(m.result);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  request<T>(req: ReplicaRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = ++this.nextId;
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, req });
    });
  }

  kill(): void {
    this.child.kill();
  }
}

async function redisCpuSeconds(redis: RedisClientType): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** CPU of every process named postgres so far, ms (the backends, the WAL writer, the checkpointer, autovacuum). */
function postgresCpuMs(): number {
  let ms = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      // ended meanwhile
    }
  }
  return ms;
}

interface PhaseRow {
  round: number;
  rate: number;
  store: StoreName;
  evalsPerSec: number;
  p50: number;
  p99: number;
  p99Intended: number;
  clientUs: number;
  serverUs: number;
  othersPct: number;
  errors: number;
}

const fmt = (ms: number) => (ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);

async function phase(
  replicas: Replica[],
  store: StoreName,
  rate: number,
  seconds: number,
  seed: number,
): Promise<LoadResult[]> {
  const startAt = Date.now() + 300;
  return Promise.all(
    replicas.map((r, i) =>
      r.request<LoadResult>({
        type: 'load',
        store,
        rate: rate / replicas.length,
        seconds,
        startAt,
        seed: seed * 10 + i,
        population: POPULATION,
      }),
    ),
  );
}

async function main(): Promise<void> {
  console.log(`machine: ${machineLine()}`);
  process.env.WXPAY_TEST_DATABASE_SERVER ??= 'postgres://postgres@127.0.0.1:5432';
  const reads = evaluationReads();
  console.log(`an evaluation records 1 attempt in 4 keys and reads: ${reads.map((r) => r.label).join(', ')}`);
  console.log(
    `rates ${RATES.join(', ')}/s (split over 2 replicas), ${SECONDS} s each after ${WARMUP_SECONDS} s warm-up, ` +
      `${ROUNDS} rounds; PostgreSQL pool ${PG_POOL} per replica, synchronous_commit=${PG_SYNC_COMMIT}; ` +
      `keys: ${POPULATION.cards} cards (uniform, ${POPULATION.devicesPerCard} devices each), ` +
      `${POPULATION.ips} IPs (Zipf ${POPULATION.ipZipf}), ${POPULATION.merchants} merchants (Zipf ${POPULATION.merchantZipf})`,
  );

  const db = await createTestDatabase({ migrations: [], label: 'bench_windows' });
  await db.dataSource.query(BUCKET_TABLE_DDL);
  const redis = createClient({ url: REDIS_URL }) as RedisClientType;
  await redis.connect();
  const redisPrefix = `bench:sw:${randomBytes(4).toString('hex')}:`;
  const replicas = [new Replica('A'), new Replica('B')];
  try {
    await Promise.all(replicas.map((r) => r.ready));
    await Promise.all(
      replicas.map((r) =>
        r.request({
          type: 'open',
          redisUrl: REDIS_URL,
          redisPrefix,
          pgUrl: db.url,
          pgPool: PG_POOL,
          pgSynchronousCommit: PG_SYNC_COMMIT,
        }),
      ),
    );
    const redisPid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
    const machine = new MachineCpuWindow();
    const rows: PhaseRow[] = [];
    let seed = 1;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [j, rate] of RATES.entries()) {
        const shift = (round - 1 + j) % STORES.length;
        const order = [...STORES.slice(shift), ...STORES.slice(0, shift)];
        for (const store of order) {
          await phase(replicas, store, rate, WARMUP_SECONDS, seed++);
          const redisBefore = await redisCpuSeconds(redis);
          const pgBefore = postgresCpuMs();
          machine.reset();
          const results = await phase(replicas, store, rate, SECONDS, seed++);
          const foreign = machine.foreign([process.pid, redisPid, ...replicas.map((r) => r.pid)]);
          const redisMs = ((await redisCpuSeconds(redis)) - redisBefore) * 1000;
          const pgMs = postgresCpuMs() - pgBefore;
          const evals = results.reduce((n, r) => n + r.service.length, 0);
          const service = summarize(results.flatMap((r) => r.service));
          const intended = summarize(results.flatMap((r) => r.intended));
          const errors = results.reduce((n, r) => n + r.errors, 0);
          const firstError = results.find((r) => r.firstError)?.firstError;
          if (firstError) console.log(`${store} at ${rate}/s: ${errors} errors, first: ${firstError}`);
          const serverMs = store === 'redis' ? redisMs : store === 'postgres' ? pgMs : NaN;
          rows.push({
            round,
            rate,
            store,
            evalsPerSec: evals / (Math.max(...results.map((r) => r.wallMs)) / 1000),
            p50: service.p50,
            p99: service.p99,
            p99Intended: intended.p99,
            clientUs: (results.reduce((n, r) => n + r.cpuUs, 0) / evals) | 0,
            serverUs: (serverMs * 1000) / evals,
            othersPct: foreign ? foreign.others + (store === 'postgres' ? 0 : foreign.postgres) : NaN,
            errors,
          });
          const last = rows[rows.length - 1]!;
          console.log(
            `round ${round}, ${rate}/s, ${store}: p50 ${fmt(last.p50)}, p99 ${fmt(last.p99)}, ` +
              `p99 from schedule ${fmt(last.p99Intended)}, ${last.evalsPerSec.toFixed(0)}/s`,
          );
        }
      }
    }
    printTable(
      'Per phase (latency of the window work of one evaluation, both replicas pooled; CPU per evaluation)',
      rows.map((r) => ({
        round: r.round,
        'rate/s': r.rate,
        store: r.store,
        'evals/s': Math.round(r.evalsPerSec),
        p50: fmt(r.p50),
        p99: fmt(r.p99),
        'p99 from schedule': fmt(r.p99Intended),
        'client CPU µs': r.clientUs,
        'server CPU µs': Number.isNaN(r.serverUs) ? '-' : Math.round(r.serverUs),
        'others on machine %': r.othersPct,
        errors: r.errors,
      })),
    );
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    printTable(
      `Medians over ${ROUNDS} rounds`,
      RATES.flatMap((rate) =>
        STORES.map((store) => {
          const rs = rows.filter((r) => r.rate === rate && r.store === store);
          const server = median(rs.map((r) => r.serverUs));
          return {
            'rate/s': rate,
            store,
            'evals/s': Math.round(median(rs.map((r) => r.evalsPerSec))),
            p50: fmt(median(rs.map((r) => r.p50))),
            p99: fmt(median(rs.map((r) => r.p99))),
            'p99 from schedule': fmt(median(rs.map((r) => r.p99Intended))),
            'client CPU µs': Math.round(median(rs.map((r) => r.clientUs))),
            'server CPU µs': Number.isNaN(server) ? '-' : Math.round(server),
          };
        }),
      ),
    );

    await consistency(replicas, reads);
    await burst(replicas, reads);
  } finally {
    await Promise.all(replicas.map((r) => r.request({ type: 'close' }).catch(() => undefined)));
    replicas.forEach((r) => r.kill());
    let cursor = '0';
    do {
      const page = await redis.scan(cursor, { MATCH: `${redisPrefix}*`, COUNT: 1000 });
      cursor = String(page.cursor);
      if (page.keys.length) await redis.unlink(page.keys);
    } while (cursor !== '0');
    await redis.close();
    await db.drop();
  }
}

/**
 * A fixed sequence on three cards sharing a device, an IP and a merchant, sent alternately through A and B:
 * attempts (recorded by an evaluation) and declines (a lifecycle fact) at -30 h, -3 h, -20 min, -5 min, -2 min and
 * -30 s, none within a bucket of a window's edge, so exact and bucketed windows agree. Then each replica reads the
 * cards' sums; the reference is one in-process store fed the whole sequence.
 */
async function consistency(replicas: Replica[], reads: ReturnType<typeof evaluationReads>): Promise<void> {
  const now = Date.now();
  const offsets = [30 * 3_600_000, 3 * 3_600_000, 20 * 60_000, 5 * 60_000, 2 * 60_000, 30_000];
  const tag = randomBytes(3).toString('hex');
  const subject = (card: number, at: number, amount: number): WindowSubject => ({
    card: `tok_consistency_${tag}_${card}`,
    device: `dev_consistency_${tag}`,
    ip: `ip_consistency_${tag}`,
    merchant: `m_consistency_${tag}`,
    amount,
    at,
  });
  type Step = { subject: WindowSubject; decline: boolean };
  const steps: Step[] = [];
  for (const [i, offset] of offsets.entries()) {
    for (let card = 0; card < 3; card++) {
      steps.push({ subject: subject(card, now - offset, 1000 * (card + 1) + i), decline: false });
      if ((i + card) % 2 === 0)
        steps.push({ subject: subject(card, now - offset + 1, 1000 * (card + 1) + i), decline: true });
    }
  }
  const reference = new InProcessWindows(reads);
  for (const s of steps) {
    if (s.decline) reference.apply(s.subject, WindowKind.DECLINE, 1, s.subject.amount);
    else reference.evaluate(s.subject);
  }
  const rows: Record<string, string | number>[] = [];
  for (const store of STORES) {
    for (const [k, s] of steps.entries()) {
      const replica = replicas[k % 2]!;
      if (s.decline)
        await replica.request({
          type: 'apply',
          store,
          subject: s.subject,
          kind: WindowKind.DECLINE,
          count: 1,
          amount: s.subject.amount,
        });
      else await replica.request({ type: 'evaluate', store, subject: s.subject });
    }
    for (let card = 0; card < 3; card++) {
      const at = subject(card, now, 0);
      const [a, b] = await Promise.all(
        replicas.map((r) => r.request<number[]>({ type: 'read', store, subject: at })),
      );
      const want = reference.read(at);
      const same = (x: number[]) => x.every((v, i) => v === want[i]);
      rows.push({
        store,
        card,
        'replica A reads': a!.join(' '),
        'replica B reads': b!.join(' '),
        'whole sequence, one store': want.join(' '),
        agree: same(a!) && same(b!) ? 'yes' : 'NO',
      });
    }
  }
  printTable(
    `Consistency: ${steps.length} events on 3 cards sent alternately through A and B, then read through both ` +
      `(sums in the order ${reads.map((r) => r.label).join(', ')})`,
    rows,
  );
}

/** Both replicas evaluate one card 20 times at the same moment: an atomic record-then-read gives 1..40 once each. */
async function burst(replicas: Replica[], reads: ReturnType<typeof evaluationReads>): Promise<void> {
  const index = reads.findIndex((r) => r.label === 'card.attempts.10m');
  const perReplica = 20;
  const rows: Record<string, string | number>[] = [];
  for (const store of STORES) {
    const at = Date.now();
    const card = `tok_burst_${store}_${randomBytes(3).toString('hex')}`;
    const subjects = Array.from({ length: perReplica }, () => ({
      card,
      device: `dev_${card}`,
      ip: `ip_${card}`,
      merchant: `m_${card}`,
      amount: 100,
      at,
    }));
    const startAt = Date.now() + 200;
    const answers = await Promise.all(
      replicas.map((r) => r.request<number[][]>({ type: 'burst', store, subjects, startAt })),
    );
    const counts = answers.flat().map((sums) => sums[index]!);
    const distinct = new Set(counts).size;
    const sorted = [...counts].sort((x, y) => x - y);
    rows.push({
      store,
      evaluations: counts.length,
      'distinct counts seen': distinct,
      'highest count seen': sorted[sorted.length - 1]!,
      'as if serial':
        distinct === counts.length && sorted[sorted.length - 1] === counts.length ? 'yes' : 'NO',
    });
  }
  printTable(
    `Burst: each replica evaluates one card ${perReplica} times at once (card.attempts.10m each evaluation read)`,
    rows,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
