import { maskPans } from '@wxpay/card';

/** Resolves when the component is usable; throws (or rejects) with the reason when it is not. */
export type HealthCheck = () => Promise<void> | void;

export interface HealthCheckOptions {
  /** A check still running after this long counts as failed. Defaults to the registry's default (2 s). */
  timeoutMs?: number;
}

export interface CheckResult {
  status: 'up' | 'down';
  durationMs: number;
  /** Why the check failed: its error message, PAN-masked and cut to 200 characters. */
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  /** Set once shutdown has begun: the process drains and reports not ready whatever the checks say. */
  shuttingDown?: true;
  checks: Record<string, CheckResult>;
}

export interface LivenessReport {
  status: 'alive';
  uptimeSeconds: number;
}

export class HealthCheckTimeoutError extends Error {
  override readonly name = 'HealthCheckTimeoutError';
}

export class DuplicateHealthCheckError extends Error {
  override readonly name = 'DuplicateHealthCheckError';
}

const MAX_ERROR_LENGTH = 200;

interface RegisteredCheck {
  check: HealthCheck;
  timeoutMs: number;
}

/**
 * Named readiness checks that components register (database ping, Kafka cluster, downstream gRPC). Readiness runs
 * them all concurrently, each bounded by its timeout; overlapping probes share one run so a slow dependency is
 * not hammered by a load balancer polling faster than it answers. A timed-out check is reported as down but
 * cannot be cancelled: the check itself should bound its own I/O.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, RegisteredCheck>();
  private readonly defaultTimeoutMs: number;
  private shuttingDown = false;
  private inFlight?: Promise<ReadinessReport>;

  constructor(options: { defaultTimeoutMs?: number } = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 2000;
  }

  /** Adds a check; returns a function that removes it. */
  register(name: string, check: HealthCheck, options: HealthCheckOptions = {}): () => void {
    if (this.checks.has(name))
      throw new DuplicateHealthCheckError(`health check "${name}" is already registered`);
    const entry = { check, timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs };
    this.checks.set(name, entry);
    return () => {
      if (this.checks.get(name) === entry) this.checks.delete(name);
    };
  }

  /** From now on readiness fails, so traffic drains while the process finishes its work. */
  setShuttingDown(): void {
    this.shuttingDown = true;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  liveness(): LivenessReport {
    return { status: 'alive', uptimeSeconds: Math.round(process.uptime()) };
  }

  readiness(): Promise<ReadinessReport> {
    this.inFlight ??= this.runChecks().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async runChecks(): Promise<ReadinessReport> {
    const entries = [...this.checks.entries()];
    const results = await Promise.all(entries.map(([, entry]) => runCheck(entry)));
    const checks: Record<string, CheckResult> = {};
    entries.forEach(([name], i) => (checks[name] = results[i]));
    const allUp = results.every((r) => r.status === 'up');
    const report: ReadinessReport = { status: allUp && !this.shuttingDown ? 'ready' : 'not_ready', checks };
    if (this.shuttingDown) report.shuttingDown = true;
    return report;
  }
}

async function runCheck({ check, timeoutMs }: RegisteredCheck): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HealthCheckTimeoutError(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    // Promise.race keeps a handler on the check, so a rejection after the timeout is not left unhandled.
    await Promise.race([Promise.resolve().then(check), timeout]);
    return { status: 'up', durationMs: elapsed(started) };
  } catch (err) {
    return { status: 'down', durationMs: elapsed(started), error: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return maskPans(message).slice(0, MAX_ERROR_LENGTH);
}
