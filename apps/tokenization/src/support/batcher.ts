import { detached } from '@wxpay/observability';

interface Waiting<In, Out> {
  item: In;
  resolve: (out: Out) => void;
  reject: (e: unknown) => void;
}

/**
 * Coalesces concurrent calls into batches: an item is sent at once while fewer than `maxInFlight` batches are
 * in flight; otherwise it waits and goes with the others in the next batch. So at low load nothing waits, and
 * under load one round trip serves many callers (group commit, read coalescing). `run` gets the items in
 * arrival order and returns one result per item, in the same order.
 */
export class Batcher<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly opts: { maxInFlight: number; maxBatch: number; onBatch?: (size: number) => void },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // A drain serves many callers: it runs outside the trace of the one that started it.
      if (this.inFlight < this.opts.maxInFlight) void detached(() => this.drain());
    });
  }

  /** Resolves when nothing is queued or in flight (shutdown). */
  settled(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async drain(): Promise<void> {
    this.inFlight++;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      try {
        const results = await this.run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
        this.opts.onBatch?.(batch.length);
      } catch (e) {
        batch.forEach((w) => w.reject(e));
      }
    }
    // Decremented in the same synchronous step as the last queue check: a later item starts a new drain.
    this.inFlight--;
    if (this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
  }
}
