import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type SimLogger } from '../logging/logger';
import { writeFileAtomic } from './atomic-file';
import { emptyState, normalizeLoadedState, type SimState } from './sim-state';

/**
 * A write serialises the whole state on the event loop; at benchmark scale (100k contracts and deductions,
 * tens of MB) that takes a second or more. The next write waits at least this many times as long as the last
 * one blocked, so persistence never takes more than about a tenth of the simulator's time.
 */
const BLOCKED_TIME_FACTOR = 9;

/**
 * The simulator's file-based store: state lives in memory (services read `state` directly) and is written to
 * `<dataDir>/state.json` atomically, at most once per interval (`WECHATPAY_SIM_PERSIST_MS`): a change sets a dirty
 * flag and arms a timer, so a burst of thousands of changes costs one write instead of one per change.
 * `flush()` (called on shutdown) writes at once. Interval 0 keeps the state in memory only.
 *
 * Why losing the last interval on a crash is acceptable: this is a test double for WeChat Pay, not a ledger. An
 * orderly stop (SIGINT/SIGTERM, `close()`) flushes everything; only a crash of the simulator itself (SIGKILL,
 * OOM) loses up to one interval of changes, and the atomic rename guarantees the file left behind is a complete,
 * consistent earlier snapshot. The merchant side then sees the simulator as it was a moment earlier (an order or
 * contract unknown, a notification not yet due), which its own reconciliation must cope with anyway; no test
 * kills the simulator and expects it to remember the last instant.
 */
export class StateStore {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<boolean> | undefined;
  /** Event-loop time the last write spent serialising, in ms. */
  private lastBlockedMs = 0;

  private constructor(
    private readonly path: string,
    readonly state: SimState,
    private readonly logger: SimLogger,
    /** 0 = memory only. */
    private readonly intervalMs: number,
  ) {}

  /** Loads `state.json` if present (also when `intervalMs` is 0: memory-only runs start from it too). */
  static async open(dataDir: string, logger: SimLogger, intervalMs = 500): Promise<StateStore> {
    const path = join(dataDir, 'state.json');
    let state = emptyState();
    try {
      const loaded = JSON.parse(await readFile(path, 'utf8')) as SimState;
      if (loaded.version !== 1) throw new Error(`unsupported state version ${String(loaded.version)}`);
      state = normalizeLoadedState(loaded);
      logger.info({ path, orders: Object.keys(state.orders).length }, 'state loaded');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      logger.info({ path }, 'no state yet, starting empty');
    }
    if (intervalMs <= 0) logger.info({ path }, 'state persistence off: changes stay in memory');
    return new StateStore(path, state, logger, intervalMs);
  }

  get persisting(): boolean {
    return this.intervalMs > 0;
  }

  /** Applies a change to the state and schedules a write. */
  update<T>(change: (state: SimState) => T): T {
    const result = change(this.state);
    if (this.persisting) {
      this.dirty = true;
      this.arm();
    }
    return result;
  }

  nextSequence(): number {
    return this.update((s) => ++s.sequence);
  }

  /** Resolves once everything changed so far is on disk (a failed write is logged, not retried here). */
  async flush(): Promise<void> {
    this.disarm();
    if (this.writing) await this.writing;
    this.disarm(); // the write that just ended may have armed the next one
    if (this.dirty) await this.write();
    this.disarm();
  }

  private arm(): void {
    if (this.timer || this.writing) return; // the running write re-arms when it ends
    const delay = Math.max(this.intervalMs, BLOCKED_TIME_FACTOR * this.lastBlockedMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, delay);
    this.timer.unref(); // shutdown flushes explicitly; a pending write must not keep the process alive
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private write(): Promise<boolean> {
    this.dirty = false;
    const started = performance.now();
    let data: Buffer;
    try {
      // Serialised synchronously, so the file is one consistent snapshot; the file I/O itself runs off-loop.
      data = Buffer.from(JSON.stringify(this.state));
    } catch (e) {
      // e.g. a state beyond V8's string limit: keep serving from memory; the next change tries again.
      this.dirty = true;
      this.logger.error({ err: e, path: this.path }, 'state could not be serialised');
      return Promise.resolve(false);
    }
    this.lastBlockedMs = performance.now() - started;
    const writing = writeFileAtomic(this.path, data).then(
      () => {
        this.logger.debug({ bytes: data.length, blockedMs: Math.round(this.lastBlockedMs) }, 'state written');
        return true;
      },
      (e: unknown) => {
        this.dirty = true; // retried at the next interval
        this.logger.error({ err: e, path: this.path }, 'state write failed');
        return false;
      },
    );
    this.writing = writing.finally(() => {
      this.writing = undefined;
      if (this.dirty) this.arm();
    });
    return this.writing;
  }
}
