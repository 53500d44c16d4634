import { HOUR_MS, KIND_COUNT, MINUTE_MS, type WindowField, type WindowKind } from './window-kinds';

const FINE_SLOTS = 60; // one-minute buckets: windows up to one hour
const COARSE_SLOTS = 24; // one-hour buckets: windows up to 24 hours
const STRIDE = KIND_COUNT * 2; // count and amount per kind

/**
 * Bucketed sliding windows for a busy key (a merchant, a shared IP): fixed memory whatever its event rate.
 * Each slot remembers which minute (or hour) it holds, so events arriving out of order land in the right bucket
 * and a stale slot reads as empty without any rotation pass. A window of span S read at time t covers the bucket
 * holding t and the previous S/g - 1 buckets (g = one minute up to 1 h, one hour above): between S - g and S of
 * history, by event time.
 */
export class BucketRings {
  private readonly fineEpoch = new Float64Array(FINE_SLOTS).fill(-1);
  private readonly coarseEpoch = new Float64Array(COARSE_SLOTS).fill(-1);
  private readonly fine = new Float64Array(FINE_SLOTS * STRIDE);
  private readonly coarse = new Float64Array(COARSE_SLOTS * STRIDE);

  add(kind: WindowKind, count: number, amount: number, at: number): void {
    addTo(this.fine, this.fineEpoch, Math.floor(at / MINUTE_MS), kind, count, amount);
    addTo(this.coarse, this.coarseEpoch, Math.floor(at / HOUR_MS), kind, count, amount);
  }

  sum(kind: WindowKind, field: WindowField, spanMs: number, at: number): number {
    const offset = kind * 2 + (field === 'count' ? 0 : 1);
    if (spanMs <= HOUR_MS) {
      return sumOf(
        this.fine,
        this.fineEpoch,
        Math.floor(at / MINUTE_MS),
        Math.ceil(spanMs / MINUTE_MS),
        offset,
      );
    }
    return sumOf(
      this.coarse,
      this.coarseEpoch,
      Math.floor(at / HOUR_MS),
      Math.ceil(spanMs / HOUR_MS),
      offset,
    );
  }
}

function addTo(
  values: Float64Array,
  epochs: Float64Array,
  bucket: number,
  kind: WindowKind,
  count: number,
  amount: number,
): void {
  const slots = epochs.length;
  const slot = bucket % slots;
  const held = epochs[slot]!;
  if (held !== bucket) {
    if (held > bucket) return; // older than the ring reaches: outside every window this ring serves
    values.fill(0, slot * STRIDE, slot * STRIDE + STRIDE);
    epochs[slot] = bucket;
  }
  const base = slot * STRIDE + kind * 2;
  values[base] = values[base]! + count;
  values[base + 1] = values[base + 1]! + amount;
}

function sumOf(
  values: Float64Array,
  epochs: Float64Array,
  last: number,
  buckets: number,
  offset: number,
): number {
  const slots = epochs.length;
  let total = 0;
  for (let b = last - Math.min(buckets, slots) + 1; b <= last; b++) {
    const slot = b % slots;
    if (epochs[slot] === b) total += values[slot * STRIDE + offset]!;
  }
  return total;
}
