import { type Logger } from '@wxpay/observability';
import { type KeyRotation } from './key-rotation';

const RETRY_AFTER_MS = 30_000;

/**
 * Runs the re-wrap job in the background when the service starts (TOKENIZATION_ROTATION_AUTO): a new current
 * KEK version in the configuration is all an operator does. A failed run is retried later from its cursor;
 * shutdown stops it between batches.
 */
export class RotationRunner {
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly rotation: KeyRotation,
    private readonly opts: { batchSize: number; pauseMs: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running = this.runOnce();
  }

  private async runOnce(): Promise<void> {
    try {
      const outcome = await this.rotation.run({ ...this.opts, signal: this.abort.signal });
      if (outcome?.state === 'stopped')
        this.logger.info({ job: outcome.jobId }, 'key rotation paused; resumes at next start');
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.logger.error(
        { error: e instanceof Error ? e.message : String(e), retryInMs: RETRY_AFTER_MS },
        'key rotation failed; it resumes from its cursor',
      );
      this.retry = setTimeout(() => (this.running = this.runOnce()), RETRY_AFTER_MS);
      this.retry.unref();
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.retry);
    await this.running;
  }
}
