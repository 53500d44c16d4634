/*
 * One "replica" of the shared-windows benchmark: a process of its own, as a risk replica is, holding the three
 * stores (its own in-process WindowStore, a Redis client, a PostgreSQL pool) and running what
 * shared-windows.bench.ts asks over IPC: an open-loop load on one store at a fixed rate, or single operations for
 * the consistency checks. Latency is taken per evaluation from when it was issued to its sums (the state
 * operation) and from when the schedule meant to issue it (so a client that falls behind shows in the tail).
 */
import { cardTokenOf, rng } from './traffic';
import {
  InProcessWindows,
  PostgresWindows,
  RedisWindows,
  evaluationReads,
  type SharedWindows,
  type WindowSubject,
} from './shared-windows-stores';
import { type WindowKind } from '../../apps/risk/src/domain/state/window-kinds';

export type StoreName = 'in-process' | 'redis' | 'postgres';

export type ReplicaRequest =
  | {
      type: 'open';
      redisUrl: string;
      redisPrefix: string;
      pgUrl: string;
      pgPool: number;
      pgSynchronousCommit: string;
    }
  | {
      type: 'load';
      store: StoreName;
      /** Evaluations per second from this replica. */
      rate: number;
      seconds: number;
      /** Epoch milliseconds at which the schedule starts (both replicas get the same). */
      startAt: number;
      seed: number;
      population: Population;
    }
  | { type: 'evaluate' | 'read'; store: StoreName; subject: WindowSubject }
  | {
      type: 'apply';
      store: StoreName;
      subject: WindowSubject;
      kind: WindowKind;
      count: number;
      amount: number;
    }
  | { type: 'burst'; store: StoreName; subjects: WindowSubject[]; startAt: number }
  | { type: 'close' };

export interface Population {
  cards: number;
  devicesPerCard: number;
  ips: number;
  ipZipf: number;
  merchants: number;
  merchantZipf: number;
}

export interface LoadResult {
  /** Milliseconds from issue to sums, per evaluation. */
  service: number[];
  /** Milliseconds from the intended send time to sums, per evaluation. */
  intended: number[];
  errors: number;
  firstError?: string;
  cpuUs: number;
  /** From the schedule's start to the last answer, ms. */
  wallMs: number;
}

/** Ranks 1..n with P(k) ∝ 1 / k^s, drawn by binary search in the cumulative table. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = total += 1 / Math.pow(k, s);
  return () => {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Cards uniform (most cardholders pay a few times a day), each with its own few devices; IPs and merchants
 * Zipf-distributed (carrier NAT and big merchants: a few keys take a large share). Amounts 1-2,000 CNY.
 */
export function subjects(p: Population, seed: number): () => Omit<WindowSubject, 'at'> {
  const random = rng(seed);
  const ip = zipf(p.ips, p.ipZipf, random);
  const merchant = zipf(p.merchants, p.merchantZipf, random);
  return () => {
    const card = Math.floor(random() * p.cards);
    const address = ip();
    return {
      card: cardTokenOf(card),
      device: `dev_${card * p.devicesPerCard + Math.floor(random() * p.devicesPerCard)}`,
      ip: `10.${address >> 16}.${(address >> 8) & 255}.${address & 255}`,
      merchant: `m_${merchant()}`,
      amount: 100 + Math.floor(random() * 200_000),
    };
  };
}

const stores = new Map<StoreName, SharedWindows>();

function storeOf(name: StoreName): SharedWindows {
  const s = stores.get(name);
  if (!s) throw new Error(`store ${name} is not open`);
  return s;
}

async function load(req: Extract<ReplicaRequest, { type: 'load' }>): Promise<LoadResult> {
  const store = storeOf(req.store);
  const next = subjects(req.population, req.seed);
  const total = Math.round(req.rate * req.seconds);
  const intervalMs = 1000 / req.rate;
  const service: number[] = [];
  const intended: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let answered = 0;
  let lastAt = 0;
  // performance.now() on the shared epoch clock: timeOrigin differs between processes.
  const start = req.startAt - performance.timeOrigin;
  await new Promise<void>((r) => setTimeout(r, Math.max(0, start - performance.now())));
  const cpu = process.cpuUsage();
  let all!: () => void;
  const finished = new Promise<void>((r) => (all = r));
  const done = (meant: number, issued: number) => {
    const now = performance.now();
    service.push(now - issued);
    intended.push(now - meant);
    lastAt = now;
    if (++answered === total) all();
  };
  const failed = (e: unknown) => {
    errors++;
    firstError ??= e instanceof Error ? e.message : String(e);
    lastAt = performance.now();
    if (++answered === total) all();
  };
  let sent = 0;
  const tick = () => {
    const now = performance.now();
    while (sent < total && start + sent * intervalMs <= now) {
      const meant = start + sent * intervalMs;
      sent++;
      const subject = { ...next(), at: performance.timeOrigin + now };
      const issued = performance.now();
      try {
        const r = store.evaluate(subject);
        if (r instanceof Promise) r.then(() => done(meant, issued), failed);
        else done(meant, issued);
      } catch (e) {
        failed(e);
      }
    }
    if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
  };
  tick();
  if (total > 0) await finished;
  const used = process.cpuUsage(cpu);
  return { service, intended, errors, firstError, cpuUs: used.user + used.system, wallMs: lastAt - start };
}

async function handle(req: ReplicaRequest): Promise<unknown> {
  switch (req.type) {
    case 'open': {
      const reads = evaluationReads();
      stores.set('in-process', new InProcessWindows(reads));
      stores.set('redis', await RedisWindows.open(req.redisUrl, req.redisPrefix, reads));
      const pg = PostgresWindows.open(req.pgUrl, req.pgPool, req.pgSynchronousCommit, reads);
      await pg.warm(req.pgPool);
      stores.set('postgres', pg);
      return { pid: process.pid };
    }
    case 'load':
      return load(req);
    case 'evaluate':
      return storeOf(req.store).evaluate(req.subject);
    case 'read':
      return storeOf(req.store).read(req.subject);
    case 'apply':
      await storeOf(req.store).apply(req.subject, req.kind, req.count, req.amount);
      return null;
    case 'burst': {
      const store = storeOf(req.store);
      await new Promise((r) => setTimeout(r, Math.max(0, req.startAt - Date.now())));
      return Promise.all(req.subjects.map((s) => store.evaluate(s)));
    }
    case 'close':
      for (const s of stores.values()) await s.close();
      stores.clear();
      return null;
  }
}

process.on('message', (msg: { id: number; req: ReplicaRequest }) => {
  handle(msg.req).then(
    (result) => process.send!({ id: msg.id, result }),
    (e: unknown) => process.send!({ id: msg.id, error: e instanceof Error ? e.stack : String(e) }),
  );
});
process.send!({ ready: true });
