import { maskPans } from '@wxpay/observability';
import { type Logger } from 'pino';
import { type DataSource } from 'typeorm';
import { type CardStatuses } from '../domain/state/card-statuses';
import { PermanentSuspensionError, type TokenSuspender } from '../ports/token-suspender.port';

export interface SuspensionWorkerOptions {
  dataSource: DataSource;
  suspender: TokenSuspender;
  statuses: CardStatuses;
  logger: Logger;
  pollIntervalMs?: number;
  maxAttempts?: number;
  onOutcome?: (outcome: 'done' | 'retry' | 'failed') => void;
}

interface Due {
  suspension_id: string;
  card_token: string;
  reason: string;
  attempts: number;
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
        const rows: Due[] = await m.query(
          `SELECT suspension_id, card_token, reason, attempts FROM token_suspension
           WHERE status = 'PENDING' AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        );
        const due = rows[0];
        if (!due) return false;
        await this.attempt(due, (sql, params) => m.query(sql, params));
        return true;
      });
      if (!handled || this.stopped) return;
    }
  }

  private get dataSource(): DataSource {
    return this.opts.dataSource;
  }

  private async attempt(
    due: Due,
    query: (sql: string, params: unknown[]) => Promise<unknown>,
  ): Promise<void> {
    const attempts = due.attempts + 1;
    try {
      await this.opts.suspender.suspend({
        token: due.card_token,
        reason: due.reason,
        idempotencyKey: due.suspension_id,
      });
      await query(
        `UPDATE token_suspension SET status = 'DONE', attempts = $2, done_at = now(), last_error = NULL
         WHERE suspension_id = $1`,
        [due.suspension_id, attempts],
      );
      await query(
        `INSERT INTO card_status (card_token, status, source) VALUES ($1, 'SUSPENDED', 'risk-alert')
         ON CONFLICT (card_token) DO UPDATE SET
           status = CASE WHEN card_status.status = 'DELETED' THEN 'DELETED' ELSE 'SUSPENDED' END,
           source = 'risk-alert', updated_at = now()`,
        [due.card_token],
      );
      // The vault will announce it on cards.lifecycle.v1 too; rejecting from now on does not wait for that.
      this.opts.statuses.set(due.card_token, 'SUSPENDED');
      this.opts.onOutcome?.('done');
      this.opts.logger.warn({ suspensionId: due.suspension_id }, 'card token suspended by a risk alert');
    } catch (e) {
      const error = maskPans(e instanceof Error ? e.message : String(e));
      const permanent = e instanceof PermanentSuspensionError || attempts >= (this.opts.maxAttempts ?? 10);
      await query(
        `UPDATE token_suspension SET status = $2, attempts = $3, last_error = $4,
           next_attempt_at = now() + ($5::int * interval '1 millisecond')
         WHERE suspension_id = $1`,
        [
          due.suspension_id,
          permanent ? 'FAILED' : 'PENDING',
          attempts,
          error,
          Math.min(60_000, 500 * 2 ** attempts),
        ],
      );
      this.opts.onOutcome?.(permanent ? 'failed' : 'retry');
      const log = { suspensionId: due.suspension_id, attempts, error };
      if (permanent) this.opts.logger.error(log, 'token suspension given up');
      else this.opts.logger.warn(log, 'token suspension failed; will retry');
    }
  }
}
