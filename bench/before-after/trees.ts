/**
 * Two checkouts of this repository side by side: the one running the benchmark ("head") and another one at an
 * earlier commit ("base", BENCH_BASE_TREE, with its own node_modules). Each side's services run from its own
 * tree, with its own migrations, in its own child processes; the load comes from this process or this tree's
 * generator, the same for both sides.
 */
import { fork, spawnSync, type ChildProcess } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { createTestDatabase, workspaceRoot, type TestDatabase } from '@wxpay/testing';

/** One side's result for one comparison. */
export interface SideFigures {
  side: string;
  perSecond: number;
  p99Ms: number;
  /**
   * The median of the rounds' own p99s: a stall of the whole machine (seen here: 100-370 ms, a few times an hour)
   * lifts one round's tail, whichever side it falls on; the median of rounds is not moved by it, the pooled p99 is.
   */
  p99MedianOfRoundsMs?: number;
  /** Each round's p99 in the order run: round k of one side ran next to round k of the other. */
  roundP99sMs?: number[];
  /** Each round's rate (per second), in the order run, for the throughput comparisons. */
  roundRates?: number[];
  serverCpuMs: number;
}

export interface Tree {
  name: 'base' | 'head';
  root: string;
}

export function trees(baseRoot: string): Tree[] {
  for (const needed of ['tools/ts-register.js', 'node_modules']) {
    if (!existsSync(join(baseRoot, needed))) {
      throw new Error(
        `BENCH_BASE_TREE=${baseRoot} has no ${needed}: check out the base commit there and npm ci`,
      );
    }
  }
  return [
    { name: 'base', root: baseRoot },
    { name: 'head', root: workspaceRoot() },
  ];
}

/** The environment for a child of another tree: its own SWC project, not this one's. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = { ...env };
  delete own.SWC_NODE_PROJECT;
  return own;
}

/** BENCH_CHILD_FLAGS: Node flags for every service child of both sides (e.g. `--cpu-prof --cpu-prof-dir=…`). */
const CHILD_FLAGS = (process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean);

const KAFKAJS_FIX = join(__dirname, 'kafkajs-idle-fix.preload.js');

/** Forks a TypeScript file of `tree` (a path inside it) with that tree's TypeScript loader and the kafkajs fix. */
export function forkIn(tree: Tree, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return fork(join(tree.root, script), [], {
    cwd: tree.root,
    execArgv: [...CHILD_FLAGS, '-r', join(tree.root, 'tools/ts-register.js'), '-r', KAFKAJS_FIX],
    env: childEnv(env),
  });
}

/** A scratch database migrated by `app`'s own migrate command in `tree` (each side has its own schema). */
export async function databaseIn(tree: Tree, app: string, label: string): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrations: [], label: `${label}_${tree.name}` });
  const variable = `${app.toUpperCase()}_DATABASE_URL`;
  const r = spawnSync(
    process.execPath,
    ['-r', join(tree.root, 'tools/ts-register.js'), join(tree.root, `apps/${app}/src/migrate.ts`)],
    { cwd: tree.root, env: childEnv({ ...process.env, [variable]: db.url }), encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${tree.name}: ${app} migrations failed: ${r.stderr}`);
  return db;
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`a benchmark child exited with ${code}`)));
  });
}

export async function waitHttpReady(url: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`a benchmark child exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready`);
}

export function stopChild(child: ChildProcess, how: 'stop-message' | 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (how === 'stop-message') child.send('stop');
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return exited.finally(() => clearTimeout(timer));
}

/** Side order per round: alternated, so drift in the machine's load falls on both sides alike. */
export function inTurn<T>(sides: T[], round: number): T[] {
  return round % 2 ? [...sides].reverse() : sides;
}
