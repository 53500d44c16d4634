import { spawn, type ChildProcess } from 'child_process';
import { createServer } from 'net';
import { join } from 'path';
import { workspaceRoot } from '../infra/workspace';

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free ports on 127.0.0.1 from `from` on (e.g. a test's own brokers). */
export async function freePortRun(count: number, from: number): Promise<number> {
  for (let base = from; base < from + 2000; base += count) {
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports from ${from}`);
}

/** Children still running when this process exits are killed with it (a failed test must not leave any). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * A TypeScript entry point of the workspace run as its own process, the way the launcher runs it (apps never
 * import each other, so the simulators are started exactly as `npm start` starts them).
 */
export class TsProcess {
  readonly output: string[] = [];
  private child?: ChildProcess;
  private exitedPromise?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly label: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): this {
    const root = workspaceRoot();
    const child = spawn(
      process.execPath,
      ['-r', join(root, 'tools/ts-register.js'), join(root, this.entry)],
      {
        cwd: root,
        env: { ...process.env, ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (d: Buffer) => {
      this.output.push(...d.toString('utf8').split('\n').filter(Boolean));
      if (this.output.length > 2000) this.output.splice(0, this.output.length - 2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    live.add(child);
    this.exitedPromise = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      }),
    );
    this.child = child;
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs to completion (migrations); rejects with the output on a non-zero exit. */
  async completes(): Promise<void> {
    const { code } = await this.exitedPromise!;
    if (code !== 0) throw new Error(`${this.label} exited ${code}:\n${this.output.slice(-30).join('\n')}`);
  }

  /** SIGKILL: the process gets no chance to clean up (the crash the service must survive). */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.child!.kill('SIGKILL');
    await this.exitedPromise;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  /** Waits until `url` answers 2xx, failing early if the process dies. */
  async ready(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) throw new Error(`${this.label} died:\n${this.output.slice(-40).join('\n')}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`${this.label} not ready at ${url}:\n${this.output.slice(-40).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
