export const JOB_KINDS = ['NOTICE', 'DEDUCT', 'CHECK', 'POST', 'FAIL_NOTICE', 'TERMINATE_CONTRACT'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface Job {
  id: string;
  kind: JobKind;
  /** The statement id, or the plan id for contract jobs. */
  subject: string;
  runAt: Date;
  payload: Record<string, unknown>;
  /** Runs started so far, this one included. */
  tries: number;
  /** Claimed after another runner's lease on it ran out (that runner died or stalled mid-job). */
  takenOver?: boolean;
  /** This run's claim token: the lease is renewed, and the job finished or rescheduled, only under it. */
  claim: string;
}

/** What a handler tells the runner; `done` only when the handler finished the job in its own transaction. */
export type JobResult = { kind: 'done' } | { kind: 'retry'; at: Date; error: string };
