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

/**
 * The durable schedule. A job is claimed with FOR UPDATE SKIP LOCKED and a real-time lease, so across replicas
 * each due job runs once at a time; a replica that dies mid-job loses its lease and another takes the job over
 * (handlers are written to be re-run: every external call they make is idempotent or harmless twice).
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
       UPDATE scheduled_job SET state = 'RUNNING', tries = tries + 1,
              lease_until = now() + ($3::integer * interval '1 millisecond')
         FROM (SELECT id, false AS taken_over FROM due UNION ALL SELECT id, true FROM stale) claimed
        WHERE scheduled_job.id = claimed.id
        RETURNING scheduled_job.id, kind, subject, run_at, payload, tries, claimed.taken_over`,
      [businessNow, limit, leaseMs, [...heldBack]],
    );
    return returnedRows<JobRow>(result)
      .map(toJob)
      .sort((a, b) => a.runAt.getTime() - b.runAt.getTime());
  }

  /** Marks the job done inside the handler's transaction, with the effects it had. */
  async finish(m: EntityManager, id: string): Promise<void> {
    await m.query(
      `UPDATE scheduled_job SET state = 'DONE', finished_at = now(), lease_until = NULL WHERE id = $1`,
      [id],
    );
  }

  async reschedule(id: string, runAt: Date, error: string): Promise<void> {
    await this.ds.query(
      `UPDATE scheduled_job SET state = 'PENDING', run_at = $2, last_error = $3, lease_until = NULL
        WHERE id = $1 AND state = 'RUNNING'`,
      [id, runAt, error.slice(0, 500)],
    );
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
