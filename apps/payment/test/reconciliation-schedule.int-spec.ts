import { createDataSource, initializeDataSource } from '@wxpay/persistence';
import { eventually } from '@wxpay/testing';
import { type DataSource, type EntityManager } from 'typeorm';
import { type ReconciliationReport } from '../src/domain/reconciliation';
import {
  type AttemptOutcome,
  previousBusinessDate,
  ReconciliationScheduler,
} from '../src/jobs/reconciliation-scheduler';
import {
  ReconciliationRepository,
  ScheduledRunLostError,
} from '../src/persistence/reconciliation.repository';
import { CoreHarness } from './support/core-harness';

jest.setTimeout(60_000);

type Commit = (m: EntityManager, runId: string) => Promise<void>;
type Run = (date: string, commit?: Commit) => Promise<ReconciliationReport>;

interface Replica {
  name: string;
  scheduler: ReconciliationScheduler;
  outcomes: AttemptOutcome[];
}

/**
 * The scheduled reconciliation across replicas, on the real schema: each "replica" is a ReconciliationScheduler
 * with its own connection pool for the schedule, running the real ReconciliationService against stand-in
 * counterparties. The schedule's clock is the real one shifted so that the 02:30 run of a chosen day is a few
 * hundred milliseconds away: every replica's timer fires on its own, as in production.
 */
describe('scheduled reconciliation across replicas', () => {
  let h: CoreHarness;
  const pools: DataSource[] = [];
  const replicas: Replica[] = [];

  beforeAll(async () => {
    h = await CoreHarness.start('pay_recon_sched');
    for (const name of ['a', 'b', 'c']) {
      const ds = createDataSource({ url: h.db.url, applicationName: `recon-replica-${name}`, poolSize: 3 });
      await initializeDataSource(ds);
      pools.push(ds);
    }
  });
  afterAll(async () => {
    for (const r of replicas) r.scheduler.stop();
    for (const ds of pools) await ds.destroy();
    await h?.stop();
  });

  /** A clock whose `at` instant is `leadMs` away now, then moving with real time. */
  function clockBefore(instant: Date, leadMs: number): () => Date {
    const offset = instant.getTime() - leadMs - Date.now();
    return () => new Date(Date.now() + offset);
  }

  function replica(
    name: string,
    now: () => Date,
    run: Run,
    o: { leaseMs?: number; retryMs?: number } = {},
  ): Replica {
    const pool = pools[replicas.length % pools.length]!;
    const outcomes: AttemptOutcome[] = [];
    const scheduler = new ReconciliationScheduler(
      { run },
      new ReconciliationRepository(pool),
      '02:30',
      h.log.logger,
      {
        leaseMs: o.leaseMs ?? 60_000,
        retryMs: o.retryMs ?? 100,
        now,
        onAttempt: (_date, outcome) => outcomes.push(outcome),
      },
    );
    const r = { name, scheduler, outcomes };
    replicas.push(r);
    return r;
  }

  const realRun: Run = (date, commit) => h.core.reconciliation.run(date, commit);

  async function runsOf(date: string): Promise<{ id: string; finished: boolean }[]> {
    const rows: { id: string; finished_at: Date | null }[] = await h.ds.query(
      `SELECT id, finished_at FROM recon_run WHERE business_date = $1 ORDER BY started_at`,
      [date],
    );
    return rows.map((r) => ({ id: r.id, finished: r.finished_at !== null }));
  }

  async function scheduleOf(date: string): Promise<{ run_id: string | null; attempts: number } | undefined> {
    const rows: { run_id: string | null; attempts: number }[] = await h.ds.query(
      `SELECT run_id, attempts FROM recon_schedule WHERE business_date = $1`,
      [date],
    );
    return rows[0];
  }

  it('runs a date once when two replicas fire for it together, and not again on a later start', async () => {
    const instant = new Date('2031-01-11T02:30:00+08:00');
    const date = previousBusinessDate(instant);
    expect(date).toBe('2031-01-10');
    const now = clockBefore(instant, 300);
    // Both run for real; the run is slowed a little so the two replicas overlap in it if both start one.
    const slowRun: Run = async (d, commit) => {
      await new Promise((r) => setTimeout(r, 200));
      return realRun(d, commit);
    };
    const a = replica('a', now, slowRun);
    const b = replica('b', now, slowRun);
    await Promise.all([a.scheduler.start(), b.scheduler.start()]);

    await eventually(
      async () => [a, b].every((r) => r.outcomes.some((o) => o === 'ran' || o === 'done')),
      'both replicas through with the date',
    );
    const runs = await runsOf(date);
    expect(runs).toEqual([{ id: expect.any(String), finished: true }]);
    expect(await scheduleOf(date)).toEqual({ run_id: runs[0]!.id, attempts: 1 });
    expect([...a.outcomes, ...b.outcomes].filter((o) => o === 'ran')).toHaveLength(1);

    // A replica starting later that day finds the date done and runs nothing.
    const c = replica('c', now, realRun);
    await c.scheduler.start();
    expect(c.outcomes).toEqual([]);
    expect(await runsOf(date)).toHaveLength(1);
  });

  it("keeps a live replica's date while it renews its lease, and takes it over once that replica is gone", async () => {
    const instant = new Date('2031-01-12T02:30:00+08:00');
    const date = previousBusinessDate(instant);
    const now = clockBefore(instant, 300);
    // Whichever replica claims the date first hangs in its run until released; later runs are real.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let hung: { name: string; result: Promise<ReconciliationReport> } | undefined;
    const runAs =
      (name: string): Run =>
      (d, commit) => {
        if (hung) return realRun(d, commit);
        const result = released.then(() => realRun(d, commit));
        hung = { name, result };
        return result;
      };
    const lease = { leaseMs: 300, retryMs: 50 };
    const a = replica('a', now, runAs('a'), lease);
    const b = replica('b', now, runAs('b'), lease);
    await Promise.all([a.scheduler.start(), b.scheduler.start()]);

    await eventually(async () => hung, 'one replica running the date');
    const holder = hung!.name === 'a' ? a : b;
    const other = holder === a ? b : a;
    // The other one asks again and again, well past the first lease; the holder's renewals keep it out.
    await eventually(
      async () =>
        other.outcomes.some((o) => o !== 'held') || other.outcomes.filter((o) => o === 'held').length >= 20,
      'the other replica refused the date 20 times (20 × 50 ms, about three leases)',
    );
    expect(other.outcomes.every((o) => o === 'held')).toBe(true);
    expect(await runsOf(date)).toEqual([]);

    // The holder dies: its renewals stop, its lease runs out, the other replica runs the date.
    holder.scheduler.stop();
    await eventually(async () => other.outcomes.includes('ran'), 'the date taken over');
    const runs = await runsOf(date);
    expect(runs).toEqual([{ id: expect.any(String), finished: true }]);
    expect(await scheduleOf(date)).toEqual({ run_id: runs[0]!.id, attempts: 2 });

    // The stalled run coming back later stores nothing over the one that took over.
    release();
    await expect(hung!.result).rejects.toBeInstanceOf(ScheduledRunLostError);
    const after = await runsOf(date);
    expect(after.filter((r) => r.finished)).toEqual(runs);
    expect(await scheduleOf(date)).toEqual({ run_id: runs[0]!.id, attempts: 2 });
  });
});
