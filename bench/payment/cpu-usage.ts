import { readdirSync, readFileSync, readlinkSync } from 'fs';

/**
 * CPU time per process over a measured window, read from /proc (Linux only; elsewhere the snapshot is empty),
 * grouped by what the process is: each service this bench started (its own process tree), the PostgreSQL
 * backends serving each of them (matched by the client port of their connections), Kafka, this bench, and
 * everything else on the machine (other people's work, which the figures must not be mistaken for).
 */
export type CpuSnapshot = Map<string, { ticks: number; group: string }>;

/** USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every Linux build Node supports. */
const TICK_MS = 10;

const SERVICES = ['payment', 'risk', 'tokenization', 'wechatpay-sim', 'unionpay-sim'];

interface Proc {
  pid: string;
  ppid: string;
  ticks: number;
  cmd: string;
}

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      // Fields after "(comm) ": ppid is [1], utime [11], stime [12].
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid, ppid: f[1]!, ticks: Number(f[11]) + Number(f[12]), cmd });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

/** Local TCP port → socket inode, for every socket on the machine. */
function portsByInode(): Map<string, string> {
  const byInode = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length > 9) byInode.set(f[9]!, String(parseInt(f[1]!.split(':')[1]!, 16)));
      }
    } catch {
      // no IPv6, or no procfs
    }
  }
  return byInode;
}

function serviceOf(p: Proc): string {
  if (p.pid === String(process.pid)) return 'bench (load generator)';
  for (const s of SERVICES) if (p.cmd.includes(`apps/${s}/src/main.ts`)) return s;
  if (p.cmd.includes('webhook-target.ts')) return 'payment';
  return 'bench (other)';
}

export function cpuSnapshot(): CpuSnapshot {
  const snap: CpuSnapshot = new Map();
  let procs: Proc[];
  try {
    procs = readProcs();
  } catch {
    return snap;
  }
  const children = new Map<string, string[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const ours = new Map<string, string>(); // pid → group, for this bench's process tree
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const walk = (pid: string) => {
    const p = byPid.get(pid);
    if (p) ours.set(pid, serviceOf(p));
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(String(process.pid));
  // Which of our processes owns each client port (the PostgreSQL backend's cmdline names its client's port).
  const inodePorts = portsByInode();
  const ownerOfPort = new Map<string, string>();
  for (const [pid, group] of ours) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        const port = inode && inodePorts.get(inode);
        if (port) ownerOfPort.set(port, group);
      }
    } catch {
      // ended, or not ours to read
    }
  }
  for (const p of procs) {
    let group = ours.get(p.pid);
    if (!group && p.cmd.startsWith('postgres: ')) {
      const port = /\((\d+)\)/.exec(p.cmd)?.[1];
      const owner = port && ownerOfPort.get(port);
      group = owner ? `postgres: ${owner}` : port ? 'postgres: other clients' : 'postgres: shared (wal, …)';
    }
    if (!group && p.cmd.startsWith('java') && p.cmd.includes('kafka')) group = 'kafka (shared)';
    snap.set(p.pid, { ticks: p.ticks, group: group ?? 'other processes' });
  }
  return snap;
}

/** CPU ms per group between two snapshots (processes that started in between count from zero). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const ms = new Map<string, number>();
  for (const [pid, a] of after) {
    const b = before.get(pid);
    const delta = a.ticks - (b ? b.ticks : 0);
    if (delta > 0) ms.set(a.group, (ms.get(a.group) ?? 0) + delta * TICK_MS);
  }
  return new Map([...ms].sort((x, y) => y[1] - x[1]));
}

/**
 * One line: CPU ms per unit of work by group, then the cores this bench's processes (and Kafka) kept busy and
 * those everything else on the machine took meanwhile.
 */
export function cpuLine(label: string, byGroup: Map<string, number>, units: number, seconds: number): string {
  const per = (ms: number) => (ms / Math.max(1, units)).toFixed(2);
  const foreign = (g: string) => g === 'other processes' || g === 'postgres: other clients';
  let ours = 0;
  let others = 0;
  for (const [g, ms] of byGroup) {
    if (foreign(g)) others += ms;
    else ours += ms;
  }
  const parts = [...byGroup].filter(([g]) => !foreign(g)).map(([g, ms]) => `${g} ${per(ms)}`);
  return (
    `${label}: CPU ms per unit, by process: ${parts.join(', ')}; total ${per(ours)} ms ` +
    `(${(ours / 1000 / seconds).toFixed(2)} cores); other people's processes meanwhile ` +
    `${(others / 1000 / seconds).toFixed(2)} cores`
  );
}
