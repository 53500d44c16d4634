import { randomUUID } from 'crypto';
import { returnedRows } from '@wxpay/persistence';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Job, type JobKind } from '../scheduler/job';

interface JobRow {
  id: string;
  kind: JobKind;
  subject: string;
  run_at: Date;
  payload: Record<string, unknown>;
  tries: number;
  claim: string;
  /** Claimed from a runner whose lease ran out (claim only). */
  taken_over?: boolean;
}

const toJob = (r: JobRow): Job => ({
  id: String(r.id),
  kind: r.kind,
  subject: r.subject,
  runAt: new Date(r.run_at),
  payload: r.payload ?? {},
  tries: Number(r.tries),
  claim: String(r.claim),
  ...(r.taken_over ? { takenOver: true } : {}),
});

/**
 * Which due jobs go first when there is a backlog (lower first): money already taken from the payer is posted
 * to the card account before new deductions start, and results are checked before anything new is asked.
 */
const PRIORITY: Record<JobKind, number> = {
  POST: 0,
  CHECK: 1,
  TERMINATE_CONTRACT: 1,
  FAIL_NOTICE: 2,
  NOTICE: 3,
  DEDUCT: 4,
};

/** A job's claim no longer holds: its lease ran out and another runner took the job over. */
export class JobLeaseLostError extends Error {
  constructor(id: string) {
    super(`job ${id} was taken over by another runner`);
    this.name = 'JobLeaseLostError';
  }
}

/**
 * The durable schedule. A job is claimed with FOR UPDATE SKIP LOCKED and a real-time lease under a claim token,
 * so across replicas each due job runs once at a time; the runner renews the lease while the job runs, and a
 * replica that dies (or stalls past its lease) mid-job loses it and another takes the job over (handlers are
 * written to be re-run: every external call they make is idempotent or harmless twice). Finishing and
 * rescheduling go through the claim token, so the runner that lost a job changes nothing of it.
 */
export class JobStore {
  constructor(private readonly ds: DataSource) {}

  async enqueue(
    m: EntityManager,
    kind: JobKind,
    subject: string,
    runAt: Date,
    payload: Record<string, unknown> = {},
  ): Promise<string> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO scheduled_job (kind, subject, run_at, priority, payload) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [kind, subject, runAt, PRIORITY[kind], JSON.stringify(payload)],
    );
    return String(rows[0]!.id);
  }

  /**
   * Due jobs by business time, plus running ones whose lease ran out (real time). Due jobs of the `heldBack`
   * kinds stay where they are (backpressure); a stale one of those kinds is still taken over, as it was started.
   */
  async claim(
    businessNow: Date,
    limit: number,
    leaseMs: number,
    heldBack: readonly JobKind[] = [],
  ): Promise<Job[]> {
    const result: unknown = await this.ds.query(
      `WITH due AS (
         SELECT id FROM scheduled_job WHERE state = 'PENDING' AND run_at <= $1 AND kind <> ALL($4::text[])
          ORDER BY priority, run_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       stale AS (
         SELECT id FROM scheduled_job WHERE state = 'RUNNING' AND lease_until < now()
          LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE scheduled_job SET state = 'RUNNING', tries = tries + 1, claim = $5,
              lease_until = now() + ($3::integer * interval '1 millisecond')
         FROM (SELECT id, false AS taken_over FROM due UNION ALL SELECT id, true FROM stale) claimed
        WHERE scheduled_job.id = claimed.id
        RETURNING scheduled_job.id, kind, subject, run_at, payload, tries, claim, claimed.taken_over`,
      // One token for the jobs of one claim: each claim of a job (a takeover too) gives it a new one.
      [businessNow, limit, leaseMs, [...heldBack], randomUUID()],
    );
    return returnedRows<JobRow>(result)
      .map(toJob)
      .sort((a, b) => a.runAt.getTime() - b.runAt.getTime());
  }

  /**
   * Extends the lease of a job this claim still holds (running, not taken over); false once it does not.
   */
  async renew(job: Pick<Job, 'id' | 'claim'>, leaseMs: number): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE scheduled_job SET lease_until = now() + ($3::integer * interval '1 millisecond')
        WHERE id = $1 AND claim = $2 AND state = 'RUNNING'
        RETURNING id`,
      [job.id, job.claim, leaseMs],
    );
    return returnedRows(result).length > 0;
  }

  /**
   * Marks the job done inside the handler's transaction, with the effects it had. Throws JobLeaseLostError when
   * the claim no longer holds, so the handler's transaction rolls back and the runner that took the job over
   * does the work.
   */
  async finish(m: EntityManager, job: Pick<Job, 'id' | 'claim'>): Promise<void> {
    const result: unknown = await m.query(
      `UPDATE scheduled_job SET state = 'DONE', finished_at = now(), lease_until = NULL
        WHERE id = $1 AND claim = $2 AND state = 'RUNNING'
        RETURNING id`,
      [job.id, job.claim],
    );
    if (returnedRows(result).length === 0) throw new JobLeaseLostError(job.id);
  }

  /** Back to PENDING for a later run, if this claim still holds the job; false if it does not. */
  async reschedule(job: Pick<Job, 'id' | 'claim'>, runAt: Date, error: string): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE scheduled_job SET state = 'PENDING', run_at = $3, last_error = $4, lease_until = NULL
        WHERE id = $1 AND claim = $2 AND state = 'RUNNING'
        RETURNING id`,
      [job.id, job.claim, runAt, error.slice(0, 500)],
    );
    return returnedRows(result).length > 0;
  }

  /** Cancels a subject's pending jobs (of the given kinds, or all); a running one re-checks state itself. */
  async cancel(m: EntityManager, subject: string, kinds?: readonly JobKind[]): Promise<number> {
    const result: unknown = await m.query(
      `UPDATE scheduled_job SET state = 'CANCELLED', finished_at = now()
        WHERE subject = $1 AND state = 'PENDING' AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
        RETURNING id`,
      [subject, kinds ? [...kinds] : null],
    );
    return returnedRows(result).length;
  }

  /** Jobs not yet finished (for tests, demos and the clock endpoint). */
  async pendingCount(): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(
      `SELECT count(*) AS n FROM scheduled_job WHERE state IN ('PENDING', 'RUNNING')`,
    );
    return Number(rows[0]!.n);
  }
}
