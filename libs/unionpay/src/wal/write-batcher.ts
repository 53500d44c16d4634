import { detached } from '@wxpay/observability';

/**
 * Group commit in the application: items submitted while a flush is running are written together by the next
 * one, so N concurrent requests cost about one database round trip instead of N. Each submitter still waits for
 * its own item to be committed (write-ahead stays write-ahead).
 */
export class WriteBatcher<I, O> {
  #queue: { item: I; resolve(o: O): void; reject(e: unknown): void }[] = [];
  #inFlight = 0;

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
    private readonly maxInFlight = 2,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#inFlight < this.maxInFlight) {
        // Defer by one macrotask turn so submissions from the same burst share the flush.
        this.#inFlight++;
        // A flush serves many requests: it runs outside the trace of the one that started it.
        detached(() => setImmediate(() => void this.#drain()));
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        try {
          const results = await this.flush(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results[i]));
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      this.#inFlight--;
    }
  }
}
