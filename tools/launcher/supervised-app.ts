import { AppProcess } from './app-process';
import { type AppOutput } from './log-format';
import { type AppManifest } from './manifest';
import { readinessOf } from './ports';
import { waitUntilReady } from './readiness';
import { DEFAULT_RESTART_POLICY, RestartPolicy, type RestartPolicyOptions } from './restart-policy';

export interface SupervisedAppOptions {
  root: string;
  /** The app's environment (launch.json defaults, the launcher's environment, infrastructure addresses). */
  env: NodeJS.ProcessEnv;
  colorIndex: number;
  /** How its output is shown (default: LOG_FORMAT, colours on a terminal). */
  output?: AppOutput;
  log: (line: string) => void;
  readyTimeoutMs?: number;
  policy?: RestartPolicyOptions;
}

/**
 * One app the launcher keeps running: when it exits on its own after it was up, it is started again after a
 * pause (RestartPolicy) while the others keep running; an operator can restart it with more environment
 * (`npm start -- restart <app> NAME=value`), which it keeps for later starts.
 */
export class SupervisedApp {
  private process?: AppProcess;
  private readonly extraEnv: Record<string, string> = {};
  private readonly policy: RestartPolicy;
  /** Ready since its last start; an exit before that is the start's failure, reported by start(). */
  private up = false;
  /** A stop or restart the launcher asked for: its exit is expected. */
  private deliberate = false;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  /** Bumped by every restart an operator asks for: a start-again still under way from before is then stale. */
  private generation = 0;

  constructor(
    readonly manifest: AppManifest,
    private readonly options: SupervisedAppOptions,
  ) {
    this.policy = new RestartPolicy(options.policy ?? DEFAULT_RESTART_POLICY);
  }

  get name(): string {
    return this.manifest.name;
  }

  /** Starts it and waits until it is ready; throws if it exits first or is not ready in time. */
  async start(): Promise<void> {
    const { root, env, colorIndex, output, readyTimeoutMs = 60_000 } = this.options;
    const child = new AppProcess(this.manifest, root, { ...env, ...this.extraEnv }, colorIndex, output);
    this.process = child;
    this.up = false;
    child.start((code, signal) => {
      if (child === this.process && this.up && !this.deliberate && !this.stopped) {
        this.up = false;
        this.afterExit(`exited (${signal ?? code})`);
      }
    });
    const ready = readinessOf(this.manifest, { ...env, ...this.extraEnv });
    await waitUntilReady(ready, () => child.alive, readyTimeoutMs);
    this.up = true;
  }

  /** Stops it, adds `env` to its environment, starts it again and waits until it is ready. */
  async restart(env: Record<string, string>, progress: (line: string) => void): Promise<void> {
    if (this.stopped) throw new Error('the launcher is stopping');
    clearTimeout(this.retry);
    this.generation++;
    this.deliberate = true;
    try {
      progress(`stopping ${this.name}`);
      await this.process?.stop();
      Object.assign(this.extraEnv, env);
      this.policy.reset();
      const names = Object.keys(env);
      // Names only: a value may be a secret.
      progress(`starting ${this.name}${names.length ? ` with ${names.join(', ')} set` : ''}`);
      await this.start();
      progress(`${this.name} is ready`);
    } finally {
      this.deliberate = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.process?.stop();
  }

  private afterExit(what: string): void {
    const delay = this.policy.onExit(Date.now());
    if (delay === undefined) {
      this.options.log(
        `${this.name} ${what}, more than ${(this.options.policy ?? DEFAULT_RESTART_POLICY).maxExits} times in ` +
          `a row: left stopped (\`npm start -- restart ${this.name}\` starts it again)`,
      );
      return;
    }
    this.options.log(`${this.name} ${what}; the others keep running; starting it again in ${delay / 1000} s`);
    this.retry = setTimeout(() => void this.startAgain(), delay);
  }

  private async startAgain(): Promise<void> {
    if (this.stopped || this.deliberate) return;
    const generation = this.generation;
    try {
      await this.start();
      this.options.log(`${this.name} is ready again`);
    } catch (e) {
      // An operator's restart took over meanwhile: the process now running is its, not this attempt's.
      if (this.stopped || generation !== this.generation) return;
      await this.process?.stop();
      this.afterExit(`did not start again (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}
