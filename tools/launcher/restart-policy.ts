export interface RestartPolicyOptions {
  /** Exits counted together; older ones are forgotten. */
  windowMs: number;
  /** More exits than this within the window is a crash loop: the app is left stopped. */
  maxExits: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  windowMs: 5 * 60_000,
  maxExits: 5,
  firstDelayMs: 1000,
  maxDelayMs: 30_000,
};

/**
 * What the launcher does when an app that was up exits on its own: start it again after a pause that doubles
 * with each exit in the window, and stop trying when it keeps crashing (a restart would only hide the cause).
 */
export class RestartPolicy {
  private exits: number[] = [];

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  /** Records an exit at `now`; returns the pause before the restart, or undefined when it is a crash loop. */
  onExit(now: number): number | undefined {
    const { windowMs, maxExits, firstDelayMs, maxDelayMs } = this.options;
    this.exits = this.exits.filter((t) => now - t < windowMs);
    this.exits.push(now);
    if (this.exits.length > maxExits) return undefined;
    return Math.min(maxDelayMs, firstDelayMs * 2 ** (this.exits.length - 1));
  }

  /** An operator restarted it: earlier crashes no longer count. */
  reset(): void {
    this.exits = [];
  }
}
