import { maskPans } from '@wxpay/card';
import { type Logger } from 'pino';
import { type DataSource, type EntityManager } from 'typeorm';
import { type CardStatuses } from '../domain/state/card-statuses';
import {
  type DueSuspension,
  type TokenSuspensionRepository,
} from '../persistence/token-suspension.repository';
import { PermanentSuspensionError, type TokenSuspender } from '../ports/token-suspender.port';

export interface SuspensionWorkerOptions {
  dataSource: DataSource;
  suspensions: TokenSuspensionRepository;
  suspender: TokenSuspender;
  statuses: CardStatuses;
  logger: Logger;
  pollIntervalMs?: number;
  maxAttempts?: number;
  onOutcome?: (outcome: 'done' | 'retry' | 'failed') => void;
}

/**
 * Carries out the token suspensions severe alerts asked for. The request is a row written in the alert's own
 * transaction, so it survives a crash and a vault outage; this worker calls TokenVault.SuspendToken with the row id
 * as idempotency key (a retry after a lost answer suspends once), backs off on failures, and gives up (FAILED,
 * logged) on permanent refusals or after `maxAttempts`. Rows are claimed with SKIP LOCKED, so several instances
 * can run it.
 */
export class SuspensionWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private again = false;

  constructor(private readonly opts: SuspensionWorkerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
    this.kick();
  }

  /** Runs a pass now (called after an alert that asked for a suspension commits). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((e: unknown) =>
        this.opts.logger.warn(
          { error: e instanceof Error ? e.message : String(e) },
          'suspension pass failed',
        ),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const handled = await this.dataSource.transaction(async (m) => {
        const due = await this.suspensions.claimDue(m);
        if (!due) return false;
        await this.attempt(m, due);
        return true;
      });
      if (!handled || this.stopped) return;
    }
  }

  private get dataSource(): DataSource {
    return this.opts.dataSource;
  }

  private get suspensions(): TokenSuspensionRepository {
    return this.opts.suspensions;
  }

  /** One attempt, in the transaction that holds the claimed row. */
  private async attempt(m: EntityManager, due: DueSuspension): Promise<void> {
    const attempts = due.attempts + 1;
    try {
      await this.opts.suspender.suspend({
        token: due.card_token,
        reason: due.reason,
        idempotencyKey: due.suspension_id,
      });
      await this.suspensions.markDone(m, due, attempts);
      // The vault will announce it on cards.lifecycle.v1 too; rejecting from now on does not wait for that.
      this.opts.statuses.set(due.card_token, 'SUSPENDED');
      this.opts.onOutcome?.('done');
      this.opts.logger.warn({ suspensionId: due.suspension_id }, 'card token suspended by a risk alert');
    } catch (e) {
      const error = maskPans(e instanceof Error ? e.message : String(e));
      const permanent = e instanceof PermanentSuspensionError || attempts >= (this.opts.maxAttempts ?? 10);
      await this.suspensions.markFailed(
        m,
        due.suspension_id,
        permanent ? 'FAILED' : 'PENDING',
        attempts,
        error,
        Math.min(60_000, 500 * 2 ** attempts),
      );
      this.opts.onOutcome?.(permanent ? 'failed' : 'retry');
      const log = { suspensionId: due.suspension_id, attempts, error };
      if (permanent) this.opts.logger.error(log, 'token suspension given up');
      else this.opts.logger.warn(log, 'token suspension failed; will retry');
    }
  }
}
