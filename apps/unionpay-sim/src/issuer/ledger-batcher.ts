import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { applyBatch } from './ledger-store';
import { type LedgerOutcome, type LedgerRequest } from './ledger-model';

interface Queued {
  request: LedgerRequest;
  resolve(o: LedgerOutcome): void;
  reject(e: unknown): void;
}

/**
 * One writer, many requests per transaction: while a batch commits, the next one accumulates. A single writer
 * keeps the issuer's rules simple (arrival order is application order) and the batch size adapts to the load.
 */
export class LedgerBatcher {
  #queue: Queued[] = [];
  #running = false;
  #idle?: Promise<void>;
  #markIdle?: () => void;

  constructor(
    private readonly ds: DataSource,
    private readonly logger: Logger,
    private readonly batchMax: number,
    private readonly syncCommit: boolean,
  ) {}

  submit(request: LedgerRequest): Promise<LedgerOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        this.#idle = new Promise((r) => (this.#markIdle = r));
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Resolves when everything submitted so far has been applied (shutdown). */
  async drained(): Promise<void> {
    await this.#idle;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.batchMax);
      try {
        const outcomes = await applyBatch(
          this.ds,
          batch.map((b) => b.request),
          { syncCommit: this.syncCommit },
        );
        batch.forEach((b, i) => b.resolve(outcomes[i]));
      } catch (e) {
        this.logger.error(
          { err: (e as Error).message, size: batch.length },
          'issuer batch failed; answering 96',
        );
        for (const b of batch) b.reject(e);
      }
    }
    this.#running = false;
    this.#markIdle?.();
  }
}
