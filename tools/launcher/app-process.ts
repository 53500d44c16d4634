import { spawn, type ChildProcess } from 'child_process';
import { join } from 'path';
import { createInterface } from 'readline';
import { type AppManifest } from './manifest';

const COLORS = [36, 35, 33, 32, 34, 31];

/** One app as a child process, its output prefixed with its name so the cluster's logs stay readable. */
export class AppProcess {
  private child?: ChildProcess;
  private exited = false;

  constructor(
    readonly manifest: AppManifest,
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly colorIndex: number,
  ) {}

  get alive(): boolean {
    return !!this.child && !this.exited;
  }

  start(onExit: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.child = this.spawnTs(this.manifest.entry);
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      onExit(code, signal);
    });
  }

  /** Runs a script (migrations) to completion with the app's environment. */
  runToCompletion(script: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.spawnTs(script);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`)),
      );
    });
  }

  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child!.once('exit', () => resolve()));
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child!.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private spawnTs(script: string): ChildProcess {
    const child = spawn(
      process.execPath,
      ['-r', join(this.root, 'tools/ts-register.js'), join(this.root, script)],
      {
        cwd: this.root,
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const prefix = `\x1b[${COLORS[this.colorIndex % COLORS.length]}m[${this.manifest.name}]\x1b[0m `;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(prefix + line + '\n'));
    }
    return child;
  }
}
