import { randomUUID } from 'crypto';
import { type Logger } from '@wxpay/observability';
import { businessDateOf } from '../domain/ledger-accounts';
import {
  type ReconciliationRepository,
  ScheduledRunLostError,
} from '../persistence/reconciliation.repository';
import { type ReconciliationService } from '../use-cases/reconciliation.service';

const BEIJING_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** The next instant at HH:MM Asia/Shanghai strictly after `now`. */
export function nextRunAt(at: string, now: Date): Date {
  const [h, m] = at.split(':').map(Number) as [number, number];
  const local = new Date(now.getTime() + BEIJING_OFFSET_MS);
  const candidate =
    Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), h, m) - BEIJING_OFFSET_MS;
  return new Date(candidate > now.getTime() ? candidate : candidate + DAY_MS);
}

/** The last instant at HH:MM Asia/Shanghai at or before `now`. */
export function lastRunAt(at: string, now: Date): Date {
  return new Date(nextRunAt(at, now).getTime() - DAY_MS);
}

/** The business day before the one `instant` falls in. */
export function previousBusinessDate(instant: Date): string {
  return businessDateOf(new Date(instant.getTime() - DAY_MS));
}

export interface ReconciliationSchedulerOptions {
  /** Real-time lease of a claimed date's run, renewed every third of it while the run goes on (60 s). */
  leaseMs?: number;
  /** How often a replica asks again about a date it could not claim, until the date is done (30 s). */
  retryMs?: number;
  /** After a failed attempt, no replica claims the date for this long (10 min). */
  failurePauseMs?: number;
  /** Attempts at one date (failed or taken over ones included) before the schedule gives it up (5). */
  maxAttempts?: number;
  /** The clock the schedule reads (tests move it). */
  now?: () => Date;
  /** Each try at a date, and what came of it. */
  onAttempt?: (businessDate: string, outcome: AttemptOutcome) => void;
}

export type AttemptOutcome = 'ran' | 'failed' | 'lost' | 'held' | 'done' | 'given-up' | 'unreachable';

type ScheduleStore = Pick<
  ReconciliationRepository,
  'claimScheduledRun' | 'renewScheduledRun' | 'finishScheduledRun' | 'failScheduledRun' | 'scheduledRun'
>;

/**
 * Runs yesterday's reconciliation every day at the configured Beijing time, once across replicas.
 *
 * Every replica fires at that time; each claims the date's scheduled run in recon_schedule (one statement, so one
 * of them gets it) with a real-time lease that it renews every third of the lease while the run goes on. The
 * date is recorded done in the transaction that stores the run's report, under the claim's token, so a replica
 * that lost its claim (it stalled past its lease and another took over) stores nothing. The others ask again
 * every `retryMs` until the date is done: if the running replica dies, its lease runs out and one of them takes
 * the run over. A failed run is tried again after `failurePauseMs`, by any replica, up to `maxAttempts`.
 *
 * A lease rather than a PostgreSQL advisory lock held through the run: the run lasts minutes (whole bills fetched
 * from two counterparties), the lease needs no connection pinned for that long, survives a pooled connection, and
 * a stalled replica whose connection is still open loses it by time; the done record makes a date never run
 * twice by the schedule, which an advisory lock alone would not (a replica firing after the holder finished
 * would run it again). An operator's RunReconciliation bypasses all this and may re-run any date.
 *
 * On start, the last scheduled date is taken up again when a replica began it and it is not done (its replica
 * died or every replica restarted mid-run); a date nobody began is left alone, so a replica starting after the
 * scheduled time runs nothing until the next one (as before), and a done date is never run again.
 */
export class ReconciliationScheduler {
  private timer?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  /** The date this replica is seeing through (the latest scheduled one); an older one is dropped. */
  private pursued?: string;
  private stopped = true;
  private readonly renewals = new Set<NodeJS.Timeout>();
  private readonly leaseMs: number;
  private readonly retryMs: number;
  private readonly failurePauseMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => Date;

  constructor(
    private readonly service: Pick<ReconciliationService, 'run'>,
    private readonly schedule: ScheduleStore,
    private readonly at: string,
    private readonly logger: Logger,
    private readonly options: ReconciliationSchedulerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.retryMs = options.retryMs ?? 30_000;
    this.failurePauseMs = options.failurePauseMs ?? 10 * 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Arms the daily timer, then takes up the last scheduled date if it was begun and is not done. Resolves once
   * that first try is over (it never rejects); the service does not wait for it.
   */
  async start(): Promise<void> {
    if (this.at === 'off' || !this.stopped) return;
    this.stopped = false;
    const now = this.now();
    this.arm(now);
    const last = previousBusinessDate(lastRunAt(this.at, now));
    try {
      const run = await this.schedule.scheduledRun(last);
      if (run && !run.done) await this.pursue(last);
    } catch (e) {
      this.logger.error({ date: last, error: message(e) }, 'reconciliation schedule unreadable at start');
    }
  }

  /**
   * Stops the timers and the lease renewals. A run in flight here goes on until the process ends; its lease
   * runs out unrenewed, so another replica takes the date over if this one does not finish it in time.
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    for (const r of this.renewals) clearInterval(r);
    this.renewals.clear();
  }

  private arm(after: Date): void {
    if (this.stopped) return;
    // From the instant just scheduled, not the clock, so a timer firing a little early cannot fire twice.
    const when = nextRunAt(this.at, new Date(Math.max(after.getTime(), this.now().getTime())));
    this.timer = setTimeout(
      () => {
        this.arm(when);
        // The date from the scheduled instant, so replicas whose timers fire a little apart agree on it.
        void this.pursue(previousBusinessDate(when));
      },
      Math.max(0, when.getTime() - this.now().getTime()),
    );
    this.timer.unref();
  }

  private pursue(date: string): Promise<void> {
    clearTimeout(this.retry);
    this.pursued = date;
    return this.attempt(date);
  }

  private async attempt(date: string): Promise<void> {
    if (this.stopped || this.pursued !== date) return;
    let outcome: AttemptOutcome;
    try {
      outcome = await this.tryOnce(date);
    } catch (e) {
      this.logger.error({ date, error: message(e) }, 'reconciliation schedule unreachable');
      outcome = 'unreachable';
    }
    this.options.onAttempt?.(date, outcome);
    const over = outcome === 'ran' || outcome === 'done' || outcome === 'given-up';
    if (over || this.stopped || this.pursued !== date) return;
    this.retry = setTimeout(() => void this.attempt(date), this.retryMs);
    this.retry.unref();
  }

  private async tryOnce(date: string): Promise<AttemptOutcome> {
    const claim = randomUUID();
    const attempt = await this.schedule.claimScheduledRun(date, claim, this.leaseMs, this.maxAttempts);
    if (attempt === undefined) {
      const run = await this.schedule.scheduledRun(date);
      if (run?.done) return 'done';
      if (run && run.attempts >= this.maxAttempts) {
        // The last attempt may still be running elsewhere; whatever comes of it, the schedule asks no more.
        this.logger.error(
          { date, attempts: run.attempts },
          'scheduled reconciliation given up; RunReconciliation runs it',
        );
        return 'given-up';
      }
      return 'held';
    }
    if (attempt > 1) this.logger.warn({ date, attempt }, 'scheduled reconciliation taken up again');
    const renewal = setInterval(() => this.renew(date, claim, renewal), Math.max(1, this.leaseMs / 3));
    renewal.unref();
    this.renewals.add(renewal);
    try {
      await this.service.run(date, (m, runId) => this.schedule.finishScheduledRun(m, date, claim, runId));
      return 'ran';
    } catch (e) {
      if (e instanceof ScheduledRunLostError) {
        this.logger.warn(
          { date, attempt },
          'scheduled reconciliation taken over by another replica; not stored',
        );
        return 'lost';
      }
      const error = message(e);
      this.logger.error({ date, attempt, error }, 'reconciliation failed');
      await this.schedule.failScheduledRun(date, claim, error, this.failurePauseMs);
      return 'failed';
    } finally {
      clearInterval(renewal);
      this.renewals.delete(renewal);
    }
  }

  private renew(date: string, claim: string, renewal: NodeJS.Timeout): void {
    this.schedule.renewScheduledRun(date, claim, this.leaseMs).then(
      (held) => {
        if (held || !this.renewals.delete(renewal)) return;
        clearInterval(renewal);
        this.logger.warn({ date }, 'scheduled reconciliation lease lost while running');
      },
      // A missed renewal is tried again at the next tick; the lease outlasts two of them.
      (e: unknown) => this.logger.warn({ date, error: message(e) }, 'reconciliation lease renewal failed'),
    );
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
