import { type Logger } from '@wxpay/observability';
import { ReversalReason } from '../profile/message-types';
import { type ReversalSchedule } from '../client/channel-options';
import { type RequestLog, type RequestRecord } from './request-log';

/** What one attempt to deliver a reversal achieved. */
export type ReversalAttempt =
  { settled: true; responseCode: string } | { settled: false; responseCode: string | null };

const CLAIM_BATCH = 50;

/**
 * Store and forward for reversals: delivers every due reversal in the request log until the switch
 * acknowledges it, on a schedule of quick retries and then a steady interval, forever. It also reverses
 * requests orphaned by a dead process, so a restart resumes exactly where the previous process stopped.
 */
export class ReversalForwarder {
  #running = false;
  #wake?: () => void;
  #loop?: Promise<void>;
  readonly #waiters = new Map<string, ((code: string) => void)[]>();

  constructor(
    private readonly log: RequestLog,
    private readonly deliver: (row: RequestRecord) => Promise<ReversalAttempt>,
    private readonly schedule: ReversalSchedule,
    private readonly attemptTimeoutMs: number,
    private readonly orphanAfterMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** A reversal was just queued: look now instead of at the next poll. */
  kick(): void {
    this.#wake?.();
  }

  /** Resolves with the acknowledging response code, or undefined after `timeoutMs`. */
  waitForAcknowledgement(id: string, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const list = this.#waiters.get(id)?.filter((w) => w !== done);
        if (list?.length) this.#waiters.set(id, list);
        else this.#waiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      const done = (code: string) => {
        clearTimeout(timer);
        resolve(code);
      };
      this.#waiters.set(id, [...(this.#waiters.get(id) ?? []), done]);
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.kick();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let lastSweep = 0;
    while (this.#running) {
      let claimed = 0;
      try {
        if (Date.now() - lastSweep >= this.schedule.pollIntervalMs) {
          lastSweep = Date.now();
          const orphans = await this.log.sweepOrphans(this.orphanAfterMs, ReversalReason.TIMEOUT_WAITING);
          if (orphans > 0)
            this.logger.warn(
              { orphans },
              'unionpay requests orphaned by a previous process queued for reversal',
            );
        }
        const due = await this.log.claimDueReversals(CLAIM_BATCH, this.attemptTimeoutMs + 1_000);
        claimed = due.length;
        await Promise.all(due.map((row) => this.#attempt(row)));
      } catch (e) {
        this.logger.error({ err: (e as Error).message }, 'unionpay reversal forwarder pass failed');
      }
      if (claimed === 0 && this.#running) await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, this.schedule.pollIntervalMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #delayAfter(attempts: number): number {
    return this.schedule.retryDelaysMs[attempts - 1] ?? this.schedule.steadyIntervalMs;
  }

  async #attempt(row: RequestRecord): Promise<void> {
    let result: ReversalAttempt;
    try {
      result = await this.deliver(row);
    } catch (e) {
      this.logger.warn({ requestId: row.id, err: (e as Error).message }, 'unionpay reversal attempt failed');
      result = { settled: false, responseCode: null };
    }
    if (result.settled) {
      const first = await this.log.acknowledgeReversal(row.id, result.responseCode);
      if (first) {
        this.logger.info(
          {
            requestId: row.id,
            stan: row.stan,
            rrn: row.rrn,
            responseCode: result.responseCode,
            attempts: row.reversalAttempts,
          },
          'unionpay reversal acknowledged',
        );
      }
      for (const w of this.#waiters.get(row.id) ?? []) w(result.responseCode);
      this.#waiters.delete(row.id);
      return;
    }
    await this.log.rescheduleReversal(row.id, this.#delayAfter(row.reversalAttempts), result.responseCode);
  }
}
