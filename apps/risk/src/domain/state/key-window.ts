import { BucketRings } from './bucket-rings';
import { HORIZON_MS, type WindowField, type WindowKind } from './window-kinds';

/** Entries kept exactly before a key switches to buckets: most cards see a handful of events a day. */
export const MAX_EXACT_ENTRIES = 64;
const FIELDS = 4; // time, kind, count, amount

/**
 * The velocity state of one key (a card, device, IP or merchant) over the last 24 hours, by event time.
 * A quiet key keeps its events exactly in one flat array (4 numbers each), so its windows are exact sliding
 * windows; once more than MAX_EXACT_ENTRIES events fall within 24 h it folds them into bucket rings of fixed
 * size (minute / hour granularity). Amounts are CNY fen.
 */
export class KeyWindow {
  /** The latest event time seen: the key is idle (and evictable) once this is older than the horizon. */
  lastAt = 0;
  private log: number[] | null = [];
  private rings: BucketRings | null = null;

  get bucketed(): boolean {
    return this.rings !== null;
  }

  add(kind: WindowKind, count: number, amount: number, at: number): void {
    if (at > this.lastAt) this.lastAt = at;
    if (this.rings) {
      this.rings.add(kind, count, amount, at);
      return;
    }
    const log = this.log!;
    if (log.length >= MAX_EXACT_ENTRIES * FIELDS) this.prune();
    if (log.length >= MAX_EXACT_ENTRIES * FIELDS) {
      this.fold();
      this.rings!.add(kind, count, amount, at);
      return;
    }
    log.push(at, kind, count, amount);
  }

  /** Sum of `field` over events of `kind` with time in (at - span, at]. */
  sum(kind: WindowKind, field: WindowField, spanMs: number, at: number): number {
    if (this.rings) return this.rings.sum(kind, field, spanMs, at);
    const log = this.log!;
    const from = at - spanMs;
    const offset = field === 'count' ? 2 : 3;
    let total = 0;
    for (let i = 0; i < log.length; i += FIELDS) {
      const t = log[i]!;
      if (t > from && t <= at && log[i + 1] === kind) total += log[i + offset]!;
    }
    return total;
  }

  /** Drops exact entries older than the horizon (relative to the latest event time). */
  prune(): void {
    const log = this.log;
    if (!log) return;
    const cutoff = this.lastAt - HORIZON_MS;
    let w = 0;
    for (let r = 0; r < log.length; r += FIELDS) {
      if (log[r]! <= cutoff) continue;
      if (w !== r) for (let f = 0; f < FIELDS; f++) log[w + f] = log[r + f]!;
      w += FIELDS;
    }
    log.length = w;
  }

  private fold(): void {
    const rings = new BucketRings();
    const log = this.log!;
    for (let i = 0; i < log.length; i += FIELDS) {
      rings.add(log[i + 1] as WindowKind, log[i + 2]!, log[i + 3]!, log[i]!);
    }
    this.rings = rings;
    this.log = null;
  }
}
