/**
 * Preloaded (`-r`) into the risk service and loaded by the load generator: what the process's event loop and
 * garbage collector did during a timed window, so a latency tail can be attributed to the process it sits in.
 * Event-loop delay comes from perf_hooks.monitorEventLoopDelay at 1 ms resolution (a timer that fires late by
 * the time the loop was blocked); GC pauses from the `gc` performance entries; involuntary context switches (the
 * kernel took the core away) and minor page faults from process.resourceUsage(). With `timeline`, every GC pause
 * and every loop stall over STALL_MS is also kept with its wall-clock time, to be set against slow calls.
 * Driven over the IPC channel: `{ probe: 'reset' }` starts a window, `{ probe: 'report' }` answers with a
 * ProbeReport.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'perf_hooks';
import { type Pause } from './tail-attribution';

export interface ProbeReport {
  /** Event-loop delay percentiles and maximum (ms). */
  loopP50: number;
  loopP99: number;
  loopMax: number;
  gcCount: number;
  /** Total and longest pause (ms), and how many were full (mark-compact) collections. */
  gcTotalMs: number;
  gcMaxMs: number;
  gcMajor: number;
  /** CPU time the process used in the window (ms of user + system). */
  cpuMs: number;
  wallMs: number;
  /** Times the kernel preempted the process (it was runnable, another task got the core). */
  involuntarySwitches: number;
  minorFaults: number;
  /** With `timeline`: GC pauses and loop stalls as [epoch ms, ms]. */
  gcPauses?: Pause[];
  stalls?: Pause[];
}

const GC_MAJOR = constants.NODE_PERFORMANCE_GC_MAJOR;
/** A 1 ms timer that fires this much later than due means the loop was held up. */
const STALL_MS = 3;
const MAX_PAUSES = 20_000;

export class LoopProbe {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private gc = { count: 0, total: 0, max: 0, major: 0 };
  private cpu = process.cpuUsage();
  private usage = process.resourceUsage();
  private since = performance.now();
  private gcPauses: Pause[] = [];
  private stalls: Pause[] = [];
  private ticker?: NodeJS.Timeout;
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gc.count++;
      this.gc.total += e.duration;
      this.gc.max = Math.max(this.gc.max, e.duration);
      if ((e as { detail?: { kind?: number } }).detail?.kind === GC_MAJOR) this.gc.major++;
      if (this.timeline && this.gcPauses.length < MAX_PAUSES) {
        this.gcPauses.push([performance.timeOrigin + e.startTime, e.duration]);
      }
    }
  });

  constructor(private readonly timeline = false) {}

  start(): this {
    this.histogram.enable();
    this.observer.observe({ entryTypes: ['gc'] });
    if (this.timeline) {
      let last = performance.now();
      let lastCpu = process.cpuUsage();
      this.ticker = setInterval(() => {
        const now = performance.now();
        const cpu = process.cpuUsage();
        if (now - last > 1 + STALL_MS && this.stalls.length < MAX_PAUSES) {
          // CPU the process used meanwhile: about the stall's length if the loop was busy (our code, GC), much
          // less if the process was waiting for a core.
          const used = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
          this.stalls.push([performance.timeOrigin + last, now - last, used]);
        }
        last = now;
        lastCpu = cpu;
      }, 1);
      this.ticker.unref();
    }
    return this;
  }

  reset(): void {
    this.histogram.reset();
    this.gc = { count: 0, total: 0, max: 0, major: 0 };
    this.cpu = process.cpuUsage();
    this.usage = process.resourceUsage();
    this.since = performance.now();
    this.gcPauses = [];
    this.stalls = [];
  }

  report(): ProbeReport {
    const ms = (ns: number) => ns / 1e6;
    const cpu = process.cpuUsage(this.cpu);
    const usage = process.resourceUsage();
    return {
      loopP50: ms(this.histogram.percentile(50)),
      loopP99: ms(this.histogram.percentile(99)),
      loopMax: ms(this.histogram.max),
      gcCount: this.gc.count,
      gcTotalMs: this.gc.total,
      gcMaxMs: this.gc.max,
      gcMajor: this.gc.major,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - this.since,
      involuntarySwitches: usage.involuntaryContextSwitches - this.usage.involuntaryContextSwitches,
      minorFaults: usage.minorPageFault - this.usage.minorPageFault,
      ...(this.timeline ? { gcPauses: this.gcPauses, stalls: this.stalls } : {}),
    };
  }

  stop(): void {
    this.histogram.disable();
    this.observer.disconnect();
    clearInterval(this.ticker);
  }
}

/** As a preload in a child with an IPC channel: answer reset/report requests from the benchmark. */
if (process.send && process.env.BENCH_LOOP_PROBE) {
  const probe = new LoopProbe(process.env.BENCH_LOOP_PROBE === 'timeline').start();
  process.on('message', (m: { probe?: string }) => {
    if (m?.probe === 'reset') {
      probe.reset();
      process.send!({ probe: 'reset' });
    } else if (m?.probe === 'report') {
      process.send!({ probe: 'report', report: probe.report() });
    }
  });
  // The IPC channel must not keep the service alive after SIGTERM.
  process.channel?.unref();
}
