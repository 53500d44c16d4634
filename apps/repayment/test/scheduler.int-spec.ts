import { createDataSource, initializeDataSource } from '@wxpay/persistence';
import { captureLogger, createTestDatabase, eventually, type TestDatabase } from '@wxpay/testing';
import { type DataSource } from 'typeorm';
import { type Clock } from '../src/domain/clock';
import { REPAYMENT_MIGRATIONS } from '../src/persistence/migrations';
import { JOB_KINDS, type Job, type JobKind, type JobResult } from '../src/scheduler/job';
import { JobRunner } from '../src/scheduler/job-runner';
import { JobLeaseLostError, JobStore } from '../src/persistence/job-store.repository';

jest.setTimeout(60_000);

/** Business time that moves only when a test moves it, so "not due yet" is never a race with the wall clock. */
class FakeClock implements Clock {
  constructor(private t: number) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

interface Replica {
  name: string;
  ds: DataSource;
  store: JobStore;
  runner: JobRunner;
  polls: number;
}

interface JobRow {
  state: string;
  tries: number;
  run_at: Date;
  last_error: string | null;
}

/**
 * The durable scheduler against the real schema in a fresh database: two JobRunner "replicas", each with its own
 * connection pool, claim from the same scheduled_job table. Handlers here only count their invocations and
 * finish the job as the real ones do (in a transaction); what is under test is who runs what, when, how often.
 */
describe('durable scheduler', () => {
  let db: TestDatabase;
  const clock = new FakeClock(Date.parse('2030-03-01T02:00:00Z'));
  const replicas: Replica[] = [];
  const invocations = new Map<string, string[]>();
  /** Per subject: a handler of its own (else the job is finished at once). */
  const special = new Map<string, (job: Job, replica: Replica) => Promise<JobResult>>();
  const { logger } = captureLogger('error');
  /** What the runners' backpressure hook answers (what the service derives from deductions in flight). */
  let heldBack: JobKind[] = [];

  const finish = async (r: Replica, job: Job): Promise<JobResult> => {
    await r.ds.transaction((m) => r.store.finish(m, job));
    return { kind: 'done' };
  };

  /** Kinds of the jobs claimed after another runner's lease ran out (what wxpay_lease_takeovers_total counts). */
  const takeovers: JobKind[] = [];

  async function startReplica(name: string, ds: DataSource): Promise<Replica> {
    const replica = { name, ds, store: new JobStore(ds), polls: 0 } as Replica;
    const handler = async (job: Job): Promise<JobResult> => {
      invocations.set(job.id, [...(invocations.get(job.id) ?? []), name]);
      // A little work, so the replicas' batches overlap in time.
      await new Promise((r) => setTimeout(r, 2));
      const own = special.get(job.subject);
      return own ? own(job, replica) : finish(replica, job);
    };
    const handlers = Object.fromEntries(JOB_KINDS.map((k) => [k, handler])) as Record<
      JobKind,
      (job: Job) => Promise<JobResult>
    >;
    replica.runner = new JobRunner(replica.store, clock, handlers, logger, {
      pollMs: 50,
      batch: 10,
      concurrency: 4,
      leaseMs: 60_000,
      beforePoll: async () => {
        replica.polls += 1;
      },
      heldBack: async () => heldBack,
      onTakeover: (kind) => takeovers.push(kind),
    });
    replica.runner.start();
    replicas.push(replica);
    return replica;
  }

  /** Returns once every replica has started and finished a whole poll (claim and handlers) after this call. */
  async function fullPolls(): Promise<void> {
    const start = replicas.map((r) => r.polls);
    await eventually(
      async () => replicas.every((r, i) => r.polls >= start[i]! + 2),
      'every replica polled twice',
    );
  }

  async function enqueue(kind: JobKind, subject: string, runAt: Date): Promise<string> {
    return db.dataSource.transaction((m) => replicas[0]!.store.enqueue(m, kind, subject, runAt));
  }

  async function job(id: string): Promise<JobRow> {
    const rows: JobRow[] = await db.dataSource.query(
      `SELECT state, tries, run_at, last_error FROM scheduled_job WHERE id = $1`,
      [id],
    );
    return rows[0]!;
  }

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: REPAYMENT_MIGRATIONS, label: 'repayment_sched' });
    const second = createDataSource({ url: db.url, applicationName: 'test-replica-b', poolSize: 5 });
    await initializeDataSource(second);
    await startReplica('a', db.dataSource);
    await startReplica('b', second);
  });

  afterAll(async () => {
    for (const r of replicas) await r.runner.stop();
    if (replicas[1]?.ds.isInitialized) await replicas[1].ds.destroy();
    await db?.drop();
  });

  it('runs each of 200 due jobs exactly once across two replicas', async () => {
    const due = new Date(clock.now().getTime() - 1000);
    const ids: string[] = [];
    await db.dataSource.transaction(async (m) => {
      for (let i = 0; i < 200; i++) {
        ids.push(await replicas[0]!.store.enqueue(m, JOB_KINDS[i % JOB_KINDS.length]!, `bulk-${i}`, due));
      }
    });
    replicas.forEach((r) => r.runner.kick());

    await eventually(async () => {
      const rows: { n: string }[] = await db.dataSource.query(
        `SELECT count(*) AS n FROM scheduled_job WHERE id = ANY($1) AND state = 'DONE'`,
        [ids],
      );
      return Number(rows[0]!.n) === ids.length;
    }, 'all 200 jobs done');
    await fullPolls();

    const counts = ids.map((id) => invocations.get(id)?.length ?? 0);
    expect(counts.filter((n) => n !== 1)).toEqual([]);
    const byReplica = ids.map((id) => invocations.get(id)![0]);
    // Both replicas took part (otherwise this would not show that they never share a job).
    expect(new Set(byReplica)).toEqual(new Set(['a', 'b']));
    const tries: { tries: number }[] = await db.dataSource.query(
      `SELECT DISTINCT tries FROM scheduled_job WHERE id = ANY($1)`,
      [ids],
    );
    expect(tries).toEqual([{ tries: 1 }]);
    expect(takeovers).toEqual([]);
  });

  it('takes over a job whose lease ran out, and leaves a live lease alone', async () => {
    const insertRunning = async (subject: string, lease: string): Promise<string> => {
      const rows: { id: string }[] = await db.dataSource.query(
        `INSERT INTO scheduled_job (kind, subject, run_at, priority, state, tries, lease_until)
         VALUES ('POST', $1, $2, 0, 'RUNNING', 1, now() + $3::interval) RETURNING id`,
        [subject, new Date(clock.now().getTime() - 60_000), lease],
      );
      return String(rows[0]!.id);
    };
    // A replica died mid-job a while ago (real time); another one is still inside its lease.
    const abandoned = await insertRunning('lease-expired', '-5 seconds');
    const live = await insertRunning('lease-live', '1 hour');

    await eventually(async () => (await job(abandoned)).state === 'DONE', 'the abandoned job taken over');
    await fullPolls();
    expect(invocations.get(abandoned)).toHaveLength(1);
    expect((await job(abandoned)).tries).toBe(2);
    expect(invocations.get(live)).toBeUndefined();
    expect(await job(live)).toMatchObject({ state: 'RUNNING', tries: 1 });
    expect(takeovers).toEqual(['POST']);
  });

  it('does not run a job before business time reaches it', async () => {
    const at = new Date(clock.now().getTime() + 3600_000);
    const id = await enqueue('DEDUCT', 'future', at);
    replicas.forEach((r) => r.runner.kick());
    await fullPolls();
    expect(invocations.get(id)).toBeUndefined();
    expect(await job(id)).toMatchObject({ state: 'PENDING', tries: 0 });

    clock.advance(3600_000 - 1);
    await fullPolls();
    expect(invocations.get(id)).toBeUndefined();

    clock.advance(1);
    await eventually(async () => (await job(id)).state === 'DONE', 'the job done once due');
    expect(invocations.get(id)).toHaveLength(1);
  });

  it('leaves due jobs of a held-back kind pending while the others run, and runs them once released', async () => {
    heldBack = ['DEDUCT'];
    // A poll already past its backpressure question (asked before the claim) would still claim with the old
    // answer: the job is enqueued once every replica has polled with the new one.
    await fullPolls();
    const deduct = await enqueue('DEDUCT', 'held-deduct', clock.now());
    const post = await enqueue('POST', 'not-held-post', clock.now());
    replicas.forEach((r) => r.runner.kick());
    await eventually(async () => (await job(post)).state === 'DONE', 'the other kind run');
    await fullPolls();
    expect(invocations.get(deduct)).toBeUndefined();
    expect(await job(deduct)).toMatchObject({ state: 'PENDING', tries: 0 });

    heldBack = [];
    replicas.forEach((r) => r.runner.kick());
    await eventually(async () => (await job(deduct)).state === 'DONE', 'the held job run once released');
    expect(invocations.get(deduct)).toHaveLength(1);
  });

  it('reschedules a handler that throws (tries counted, error kept) and runs it again later', async () => {
    let calls = 0;
    special.set('flaky', async (j, r) => {
      calls += 1;
      if (calls === 1) throw new Error('card system down');
      return finish(r, j);
    });
    const thrownAt = clock.now().getTime();
    const id = await enqueue('POST', 'flaky', clock.now());
    replicas.forEach((r) => r.runner.kick());

    await eventually(async () => (await job(id)).last_error !== null, 'the failure recorded');
    const failed = await job(id);
    // Back off 2^tries seconds of business time after a first failure.
    expect(failed).toMatchObject({ state: 'PENDING', tries: 1, last_error: 'Error: card system down' });
    expect(new Date(failed.run_at).getTime()).toBe(thrownAt + 2000);
    await fullPolls();
    expect(invocations.get(id)).toHaveLength(1);

    clock.advance(2000);
    await eventually(async () => (await job(id)).state === 'DONE', 'the job done on its second run');
    expect(invocations.get(id)).toHaveLength(2);
    expect(await job(id)).toMatchObject({ tries: 2 });
  });
});

/**
 * Leases shorter than the jobs: two runners with a 300 ms lease on their own database. The runner renews the
 * lease of a job while it runs, and one whose lease was taken over anyway finishes or reschedules nothing.
 */
describe('durable scheduler, jobs longer than their lease', () => {
  const LEASE_MS = 300;
  let db: TestDatabase;
  let second: DataSource;
  const clock = new FakeClock(Date.parse('2030-03-01T02:00:00Z'));
  const { logger } = captureLogger('error');
  const polls = { a: 0, b: 0 };
  const invocations = new Map<string, string[]>();
  const outcomes: string[] = [];
  const takeovers: JobKind[] = [];
  /** Per subject: what its handler does (given the runner that runs it: its name, store and pool). */
  type Runs = { name: 'a' | 'b'; store: JobStore; ds: DataSource };
  const handlers = new Map<string, (job: Job, r: Runs) => Promise<JobResult>>();
  const runners: JobRunner[] = [];

  function runner(name: 'a' | 'b', ds: DataSource): JobRunner {
    const store = new JobStore(ds);
    const handler = async (job: Job): Promise<JobResult> => {
      invocations.set(job.id, [...(invocations.get(job.id) ?? []), name]);
      return handlers.get(job.subject)!(job, { name, store, ds });
    };
    const r = new JobRunner(
      store,
      clock,
      Object.fromEntries(JOB_KINDS.map((k) => [k, handler])) as Record<JobKind, typeof handler>,
      logger,
      {
        pollMs: 50,
        batch: 10,
        concurrency: 4,
        leaseMs: LEASE_MS,
        beforePoll: async () => {
          polls[name] += 1;
        },
        onJobFinished: (_kind, outcome) => outcomes.push(outcome),
        onTakeover: (kind) => takeovers.push(kind),
      },
    );
    runners.push(r);
    return r;
  }

  async function row(id: string): Promise<{ state: string; tries: number; claim: string | null }> {
    const rows: { state: string; tries: number; claim: string | null }[] = await db.dataSource.query(
      `SELECT state, tries, claim FROM scheduled_job WHERE id = $1`,
      [id],
    );
    return rows[0]!;
  }

  async function enqueue(subject: string): Promise<string> {
    return db.dataSource.transaction((m) =>
      new JobStore(db.dataSource).enqueue(m, 'POST', subject, clock.now()),
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: REPAYMENT_MIGRATIONS, label: 'repayment_lease' });
    second = createDataSource({ url: db.url, applicationName: 'test-lease-b', poolSize: 5 });
    await initializeDataSource(second);
  });

  afterAll(async () => {
    for (const r of runners) await r.stop();
    if (second?.isInitialized) await second.destroy();
    await db?.drop();
  });

  it('keeps a job running longer than its lease with its runner: the other runner does not take it over', async () => {
    // The job runs until the other runner has polled 24 more times (24 × 50 ms: about four leases), then
    // finishes; without renewals the other runner would take it over after the first lease.
    handlers.set('long', async (job, { name, store, ds }) => {
      const other = name === 'a' ? 'b' : 'a';
      const from = polls[other];
      // (Or until the job was taken over: the runner that took it is busy in it and polls no more.)
      await eventually(
        async () => polls[other] >= from + 24 || invocations.get(job.id)!.length > 1,
        'the other runner polled 24 times',
      );
      await ds.transaction((m) => store.finish(m, job));
      return { kind: 'done' };
    });
    const id = await enqueue('long');
    runner('a', db.dataSource).start();
    runner('b', second).start();

    await eventually(async () => (await row(id)).state === 'DONE', 'the long job done');
    expect(invocations.get(id)).toHaveLength(1);
    expect(await row(id)).toMatchObject({ state: 'DONE', tries: 1 });
    expect(takeovers).toEqual([]);
    expect(outcomes).toEqual(['done']);
  });

  it('lets a runner that lost its lease finish, reschedule or renew nothing', async () => {
    const store = new JobStore(db.dataSource);
    const other = new JobStore(second);
    // Claimed here, then held by nobody (runners stopped) while its lease runs out: the other store takes it.
    for (const r of runners) await r.stop();
    const id = await enqueue('stalled');
    const [mine] = await store.claim(clock.now(), 10, LEASE_MS);
    expect(mine).toMatchObject({ id });
    await db.dataSource.query(
      `UPDATE scheduled_job SET lease_until = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const [theirs] = await other.claim(clock.now(), 10, LEASE_MS);
    expect(theirs).toMatchObject({ id, takenOver: true });
    expect(theirs!.claim).not.toBe(mine!.claim);
    const taken = await row(id);
    expect(taken).toEqual({ state: 'RUNNING', tries: 2, claim: theirs!.claim });

    await expect(db.dataSource.transaction((m) => store.finish(m, mine!))).rejects.toBeInstanceOf(
      JobLeaseLostError,
    );
    expect(await store.reschedule(mine!, new Date(clock.now().getTime() + 1000), 'late')).toBe(false);
    expect(await store.renew(mine!, LEASE_MS)).toBe(false);
    expect(await row(id)).toEqual(taken);

    await second.transaction((m) => other.finish(m, theirs!));
    expect(await row(id)).toMatchObject({ state: 'DONE', tries: 2 });
  });

  it('reports a job whose handler lost its lease mid-run as lost, and leaves it to the new owner', async () => {
    const before = outcomes.length;
    let newOwner: Job | undefined;
    handlers.set('overtaken', async (job, { store, ds }) => {
      // Another runner takes the job over while this handler runs (as if this one had stalled past its lease).
      await db.dataSource.query(
        `UPDATE scheduled_job SET lease_until = now() - interval '1 second' WHERE id = $1`,
        [job.id],
      );
      [newOwner] = await new JobStore(second).claim(clock.now(), 10, 60_000);
      await ds.transaction((m) => store.finish(m, job));
      return { kind: 'done' };
    });
    const id = await enqueue('overtaken');
    const r = runner('a', db.dataSource);
    r.start();
    await eventually(async () => outcomes.length > before, 'the handler through');
    await r.stop();
    expect(outcomes.slice(before)).toEqual(['lost']);
    expect(newOwner).toMatchObject({ id, takenOver: true });
    expect(await row(id)).toEqual({ state: 'RUNNING', tries: 2, claim: newOwner!.claim });
  });
});
