/**
 * Where the slow calls of benchmark (b) spent their time: each call slower than a threshold is set against the
 * pauses both processes recorded over the same wall-clock window (GC pauses, and event-loop stalls: stretches in
 * which a 1 ms timer could not run), and charged to the pause that overlaps it most. A stall is "busy" when the
 * process burnt CPU through it (its own code or GC held the loop) and "descheduled" when it did not (it was
 * runnable or woken but had no core: the machine's other work). A slow call that overlaps no pause of either
 * process was slow in between: in the kernel, the network stack, or in a thread that is neither event loop.
 */
/** Start (epoch ms) and length of a pause; for loop stalls, the CPU the process used meanwhile (ms). */
export type Pause = [at: number, ms: number, cpuMs?: number];

export interface Pauses {
  gc: Pause[];
  /** Loop stalls, GC pauses included (a GC pause also stalls the loop). */
  stalls: Pause[];
}

export type TailCause =
  | 'service GC'
  | 'service busy'
  | 'service descheduled'
  | 'generator GC'
  | 'generator busy'
  | 'generator descheduled'
  | 'none';

/** A loop stall in which the process used less than half the stall's length in CPU was waiting for a core. */
const busy = (p: Pause) => (p[2] ?? p[1]) >= p[1] / 2;

function overlap(
  from: number,
  to: number,
  pauses: Pause[],
  which: (p: Pause) => boolean = () => true,
): number {
  let most = 0;
  for (const p of pauses) {
    if (!which(p)) continue;
    const [at, ms] = p;
    const o = Math.min(to, at + ms) - Math.max(from, at);
    if (o > most) most = o;
  }
  return most;
}

/** Slow calls (latency from the intended send time over `thresholdMs`) by the pause that overlaps them most. */
export function attributeTail(
  calls: { intendedAt: number[]; latency: number[] },
  service: Pauses,
  generator: Pauses,
  thresholdMs: number,
): { slow: number; by: Record<TailCause, number> } {
  const by: Record<TailCause, number> = {
    'service GC': 0,
    'service busy': 0,
    'service descheduled': 0,
    'generator GC': 0,
    'generator busy': 0,
    'generator descheduled': 0,
    none: 0,
  };
  let slow = 0;
  for (let i = 0; i < calls.latency.length; i++) {
    const ms = calls.latency[i]!;
    if (!(ms > thresholdMs)) continue;
    slow++;
    const from = calls.intendedAt[i]!;
    const to = from + ms;
    const idle = (p: Pause) => !busy(p);
    const candidates: [TailCause, number][] = [
      ['service GC', overlap(from, to, service.gc)],
      ['service busy', overlap(from, to, service.stalls, busy)],
      ['service descheduled', overlap(from, to, service.stalls, idle)],
      ['generator GC', overlap(from, to, generator.gc)],
      ['generator busy', overlap(from, to, generator.stalls, busy)],
      ['generator descheduled', overlap(from, to, generator.stalls, idle)],
    ];
    // A GC pause is also a loop stall: prefer naming the GC when it explains as much.
    let best: [TailCause, number] = ['none', 0];
    for (const c of candidates) if (c[1] > best[1] + 0.5) best = c;
    by[best[0]]++;
  }
  return { slow, by };
}
