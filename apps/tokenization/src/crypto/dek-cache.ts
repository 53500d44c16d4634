/**
 * Unwrapped data keys by token, bounded in size and age. Why cache at all: a detokenize otherwise opens two
 * seals (KEK → data key → PAN); the cache saves the first and, more importantly, keeps the KEK out of the hot
 * path. Why bounded and short-lived: every cached key is key material in memory, so the cache holds at most
 * `maxEntries` keys for at most `ttlMs`, forgets a record's key when the record is deleted, and overwrites key
 * bytes on eviction. The data key itself never changes (rotation re-wraps it), so no entry is ever stale.
 */
export class DekCache {
  private readonly entries = new Map<string, { dek: Buffer; expiresAt: number }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): Buffer | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.expiresAt > this.now()) {
      this.hits++;
      return entry.dek;
    }
    if (entry) this.forget(token);
    this.misses++;
    return undefined;
  }

  /** Keeps a copy: the caller may wipe its own buffer. */
  put(token: string, dek: Buffer): void {
    if (this.maxEntries === 0) return;
    this.forget(token);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.forget(oldest);
    }
    this.entries.set(token, { dek: Buffer.from(dek), expiresAt: this.now() + this.ttlMs });
  }

  forget(token: string): void {
    const entry = this.entries.get(token);
    if (!entry) return;
    entry.dek.fill(0);
    this.entries.delete(token);
  }

  clear(): void {
    for (const token of [...this.entries.keys()]) this.forget(token);
  }

  get size(): number {
    return this.entries.size;
  }
}
