import { spawn, type ChildProcess } from 'child_process';
import { join } from 'path';
import { createInterface } from 'readline';
import { createLineFormatter, defaultAppOutput, type AppOutput } from './log-format';
import { type AppManifest } from './manifest';

/**
 * One app as a child process, each line of its output shown with its name (log-format.ts: prettified, or the
 * raw JSON with `npm start -- --json` / LOG_FORMAT=json) so the cluster's logs stay readable.
 */
export class AppProcess {
  private child?: ChildProcess;
  private exited = false;

  constructor(
    readonly manifest: AppManifest,
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly colorIndex: number,
    private readonly output: AppOutput = defaultAppOutput(),
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
    const format = createLineFormatter(this.manifest.name, this.colorIndex, this.output);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(format(line) + '\n'));
    }
    return child;
  }
}
