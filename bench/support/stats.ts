/** Percentile of already-sorted samples (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(samplesMs: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

export function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  console.table(rows);
}

export function machineLine(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require('os') as typeof import('os');
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * The ratio head / base of the medians of paired per-round figures, with a 95 % percentile-bootstrap interval:
 * rounds are resampled in pairs (the two sides of one round ran back to back, so what the machine did then falls
 * on both). A fixed-seed generator makes a rerun of the analysis print the same interval.
 */
export function pairedMedianRatio(
  base: number[],
  head: number[],
  resamples = 10_000,
): { ratio: number; low: number; high: number } {
  if (base.length !== head.length || base.length === 0)
    throw new Error('paired figures of equal, non-zero length');
  let seed = 0x2545f491;
  const random = () => {
    // xorshift32: enough for resampling indices, and reproducible.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const ratios: number[] = [];
  const b: number[] = new Array(base.length);
  const h: number[] = new Array(base.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < base.length; i++) {
      const k = Math.floor(random() * base.length);
      b[i] = base[k]!;
      h[i] = head[k]!;
    }
    ratios.push(median(h) / median(b));
  }
  ratios.sort((x, y) => x - y);
  return { ratio: median(head) / median(base), low: percentile(ratios, 2.5), high: percentile(ratios, 97.5) };
}
