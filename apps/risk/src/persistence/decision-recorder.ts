import { detached } from '@wxpay/observability';
import { type Logger } from 'pino';
import {
  DecisionBacklogError,
  type DecisionRecord,
  type DecisionSink,
} from '../domain/decisions/decision-record';

/** Writes one batch of decisions durably (one transaction with their outbox rows), or throws. */
export interface DecisionBatchWriter {
  write(batch: readonly DecisionRecord[]): Promise<void>;
}

export interface DecisionRecorderOptions {
  writer: DecisionBatchWriter;
  logger: Logger;
  /** Decisions per transaction. */
  batchSize?: number;
  /** A decision waits at most this long for its batch to start. */
  flushIntervalMs?: number;
  /** Beyond this many unwritten decisions, Evaluate is refused rather than answered without a record. */
  maxBuffered?: number;
  onFlush?: (size: number, seconds: number, ok: boolean) => void;
}

interface Pending {
  record: DecisionRecord;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * The bounded, in-memory buffer between Evaluate and PostgreSQL. Decisions are written in batches (size or time,
 * whichever first), one transaction per batch together with their RiskDecisionMade outbox rows; a failed batch is
 * retried with backoff and stays at the head of the buffer. What a crash loses: decisions not yet committed, i.e.
 * at most one flush interval plus one transaction's worth (about 10-20 ms of traffic by default), and, while the
 * database is down, everything buffered up to `maxBuffered`. A graceful stop drains the buffer first.
 */
export class DecisionRecorder implements DecisionSink {
  private buffer: Pending[] = [];
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private closed = false;
  private failures = 0;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;

  constructor(private readonly opts: DecisionRecorderOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.flushIntervalMs = opts.flushIntervalMs ?? 10;
    this.maxBuffered = opts.maxBuffered ?? 20_000;
  }

  /** Decisions accepted but not yet committed. */
  get backlog(): number {
    return this.buffer.length + this.inFlight;
  }

  record(record: DecisionRecord): Promise<void> {
    if (this.closed) throw new DecisionBacklogError('the decision recorder is stopping');
    if (this.backlog >= this.maxBuffered) {
      throw new DecisionBacklogError(`${this.backlog} decisions are waiting for the database`);
    }
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** Writes everything buffered (used on shutdown); gives up after `timeoutMs`, rejecting what is left. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.backlog > 0 && Date.now() < deadline) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await (this.flushing ?? this.flush());
      if (this.failures > 0) await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
    }
    clearTimeout(this.timer);
    if (this.buffer.length > 0) {
      this.opts.logger.error({ lost: this.buffer.length }, 'decisions could not be stored before shutdown');
      for (const p of this.buffer.splice(0)) p.reject(new DecisionBacklogError('not stored before shutdown'));
    }
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush reschedules when it ends
    if (this.buffer.length >= this.batchSize) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void detached(() => this.flush());
    } else if (!this.timer) {
      const backoff = this.failures ? Math.min(2000, 100 * 2 ** (this.failures - 1)) : 0;
      // A batch of many calls' decisions belongs to none of their traces.
      this.timer = detached(() =>
        setTimeout(() => {
          this.timer = undefined;
          void this.flush();
        }, this.flushIntervalMs + backoff),
      );
    }
  }

  private flush(): Promise<void> {
    if (this.flushing || this.buffer.length === 0) return this.flushing ?? Promise.resolve();
    const batch = this.buffer.splice(0, this.batchSize);
    this.inFlight = batch.length;
    const started = process.hrtime.bigint();
    this.flushing = this.opts.writer.write(batch.map((p) => p.record)).then(
      () => {
        this.failures = 0;
        this.opts.onFlush?.(batch.length, seconds(started), true);
        for (const p of batch) p.resolve();
      },
      (e: unknown) => {
        this.failures++;
        this.opts.onFlush?.(batch.length, seconds(started), false);
        this.opts.logger.error(
          { batch: batch.length, attempt: this.failures, error: e instanceof Error ? e.message : String(e) },
          'storing decisions failed; retrying',
        );
        this.buffer = batch.concat(this.buffer);
      },
    );
    return this.flushing.finally(() => {
      this.inFlight = 0;
      this.flushing = undefined;
      if (this.buffer.length > 0 && !this.closed) this.schedule();
    });
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
