/**
 * Who else used the machine's cores during a timed window (Linux /proc; elsewhere nothing is reported). The
 * benchmark's machine is shared, and a latency tail on two cores says little without knowing how much of them the
 * service and its load generator actually had: PostgreSQL and Kafka (partly working for the service: decisions,
 * the outbox relay) and everything else (other people's runs) are reported apart.
 */
import { readdirSync, readFileSync } from 'fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

type Snapshot = Map<number, { name: string; ms: number }>;

/** Busy CPU time of the whole machine so far (ms, all cores): counts processes that came and went, too. */
function machineBusyMs(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return (user + nice + system + irq + softirq + steal) * TICK_MS;
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 90);
  } catch {
    return '?';
  }
}

function snapshot(): Snapshot | undefined {
  const out: Snapshot = new Map();
  try {
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // The name is in parentheses and may hold spaces; utime and stime are the 12th and 13th fields after it.
        const close = stat.lastIndexOf(')');
        const name = stat.slice(stat.indexOf('(') + 1, close);
        const fields = stat.slice(close + 2).split(' ');
        out.set(pid, {
          name,
          ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
        });
      } catch {
        // the process ended meanwhile
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

export interface ForeignCpu {
  /** Percent of one core, over the window. */
  postgres: number;
  kafka: number;
  others: number;
  /** The busiest other processes (name and command line start), percent of one core. */
  top: string[];
}

export class MachineCpuWindow {
  private start = snapshot();
  private startBusy = machineBusyMs();
  private startedAt = performance.now();

  /** Restarts the window now. */
  reset(): void {
    this.start = snapshot();
    this.startBusy = machineBusyMs();
    this.startedAt = performance.now();
  }

  /** CPU used since the start by processes other than `exclude` (the service, the generator, this process). */
  foreign(exclude: number[]): ForeignCpu | undefined {
    const end = snapshot();
    const endBusy = machineBusyMs();
    if (!this.start || !end) return undefined;
    const wall = performance.now() - this.startedAt;
    const used = { postgres: 0, kafka: 0, others: 0 };
    const others: [number, number][] = [];
    let ours = 0;
    for (const [pid, { name, ms }] of end) {
      const before = this.start.get(pid)?.ms ?? 0; // processes started in the window count from zero
      const delta = ms - before;
      if (delta <= 0) continue;
      if (exclude.includes(pid)) {
        ours += delta;
        continue;
      }
      const group = name.startsWith('postgres') ? 'postgres' : name === 'java' ? 'kafka' : 'others';
      used[group] += delta;
      if (group === 'others') others.push([pid, delta]);
    }
    // Processes that started and ended inside the window are in no snapshot; the machine's total has them.
    if (this.startBusy !== undefined && endBusy !== undefined) {
      const unseen = endBusy - this.startBusy - ours - used.postgres - used.kafka - used.others;
      if (unseen > 0) used.others += unseen;
    }
    const pct = (ms: number) => Math.round((100 * ms) / wall);
    const top = others
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .filter(([, ms]) => pct(ms) >= 5)
      .map(([pid, ms]) => `${pct(ms)}% ${commandOf(pid)}`);
    return {
      postgres: pct(used.postgres),
      kafka: pct(used.kafka),
      others: pct(used.others),
      top,
    };
  }
}
