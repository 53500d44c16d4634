import { type Logger } from '@wxpay/observability';
import { type Clock } from '../domain/clock';
import { type Job, type JobKind, type JobResult } from './job';
import { JobLeaseLostError, type JobStore } from '../persistence/job-store.repository';

export type JobHandler = (job: Job) => Promise<JobResult>;

export interface JobRunnerOptions {
  pollMs: number;
  batch: number;
  concurrency: number;
  leaseMs: number;
  /** Before each poll (the controllable clock reloads its offset so every replica agrees on business time). */
  beforePoll?: () => Promise<void>;
  /** Kinds not to start now (backpressure), asked before each claim. */
  heldBack?: () => Promise<readonly JobKind[]>;
  /** `lost`: the job's lease ran out mid-run and another runner took it over; this run changed nothing of it. */
  onJobFinished?: (kind: JobKind, outcome: 'done' | 'retry' | 'error' | 'lost', seconds: number) => void;
  /** A job claimed after another runner's lease on it ran out. */
  onTakeover?: (kind: JobKind) => void;
}

const MAX_ERROR_BACKOFF_MS = 15 * 60_000;

/**
 * Polls the durable schedule and runs due jobs with bounded concurrency. A handler that throws is retried with
 * backoff (business time); nothing is dropped: a job stays until a handler finishes it. While a job runs, its
 * lease is renewed every third of `leaseMs` for as long as this runner's claim holds, so a job that runs longer
 * than the lease is not taken over while its runner is alive; one that lost its lease anyway (the runner stalled
 * past it) is left to its new owner: finishing and rescheduling go through the claim token and change nothing.
 */
export class JobRunner {
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = true;
  private pass?: Promise<void>;
  private again = false;

  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly handlers: Record<JobKind, JobHandler>,
    private readonly logger: Logger,
    private readonly o: JobRunnerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }

  /** Polls now (after the clock moved, or a job was enqueued for now). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = true;
    this.pass = this.drain()
      .catch((e: unknown) => this.logger.error({ error: describe(e) }, 'scheduler poll failed'))
      .finally(() => {
        this.running = false;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
        } else this.timer = setTimeout(() => this.kick(), this.o.pollMs);
      });
  }

  /** Claims and runs batches until nothing is due. */
  private async drain(): Promise<void> {
    for (;;) {
      await this.o.beforePoll?.();
      const heldBack = (await this.o.heldBack?.()) ?? [];
      const jobs = await this.store.claim(this.clock.now(), this.o.batch, this.o.leaseMs, heldBack);
      if (jobs.length === 0 || this.stopped) return;
      for (const job of jobs) if (job.takenOver) this.o.onTakeover?.(job.kind);
      await runBounded(jobs, this.o.concurrency, (job) => this.runOne(job));
      if (jobs.length < this.o.batch) return;
    }
  }

  private async runOne(job: Job): Promise<void> {
    const started = performance.now();
    const handler = this.handlers[job.kind];
    const seconds = () => (performance.now() - started) / 1000;
    const lease = this.keepLease(job);
    try {
      const result = await handler(job);
      lease.stop();
      if (result.kind === 'retry' && !(await this.store.reschedule(job, result.at, result.error))) {
        this.lost(job);
        this.o.onJobFinished?.(job.kind, 'lost', seconds());
        return;
      }
      this.o.onJobFinished?.(job.kind, result.kind, seconds());
    } catch (e) {
      lease.stop();
      if (e instanceof JobLeaseLostError) {
        this.lost(job);
        this.o.onJobFinished?.(job.kind, 'lost', seconds());
        return;
      }
      const backoff = Math.min(2 ** Math.min(job.tries, 20) * 1000, MAX_ERROR_BACKOFF_MS);
      const error = describe(e);
      this.logger.warn(
        { job: job.id, kind: job.kind, subject: job.subject, tries: job.tries, error },
        'job failed',
      );
      await this.store
        .reschedule(job, new Date(this.clock.now().getTime() + backoff), error)
        .then((held) => (held ? undefined : this.lost(job)))
        .catch((err: unknown) =>
          this.logger.error(
            { job: job.id, error: describe(err) },
            'job reschedule failed; its lease will expire',
          ),
        );
      this.o.onJobFinished?.(job.kind, 'error', seconds());
    } finally {
      lease.stop();
    }
  }

  /** Renews the job's lease every third of it until stopped or until the claim no longer holds. */
  private keepLease(job: Job): { stop(): void } {
    let running = true;
    const timer = setInterval(
      () => {
        this.store.renew(job, this.o.leaseMs).then(
          (held) => {
            if (held || !running) return;
            running = false;
            clearInterval(timer);
            this.logger.warn(
              { job: job.id, kind: job.kind, subject: job.subject },
              'job lease lost while running; its new owner finishes it',
            );
          },
          // A missed renewal is tried again at the next tick; the lease outlasts two of them.
          (e: unknown) => this.logger.warn({ job: job.id, error: describe(e) }, 'job lease renewal failed'),
        );
      },
      Math.max(1, Math.floor(this.o.leaseMs / 3)),
    );
    timer.unref();
    return {
      stop: () => {
        running = false;
        clearInterval(timer);
      },
    };
  }

  private lost(job: Job): void {
    this.logger.warn(
      { job: job.id, kind: job.kind, subject: job.subject, tries: job.tries },
      'job taken over by another runner after its lease ran out; this run left it as it is',
    );
  }
}

async function runBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
