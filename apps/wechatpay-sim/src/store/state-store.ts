import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SimLogger } from '../logging/logger';
import { writeFileAtomic } from './atomic-file';
import { emptyState, type SimState } from './sim-state';

/**
 * The simulator's file-based store: state lives in memory and every change is written to
 * `<dataDir>/state.json` atomically. Writes are coalesced (one in flight, one pending) so a burst of changes
 * costs two writes, and `flush()` waits until the file matches memory.
 */
export class StateStore {
  private writing: Promise<void> | undefined;
  private dirty = false;
  private idle: Array<() => void> = [];

  private constructor(
    private readonly path: string,
    readonly state: SimState,
    private readonly logger: SimLogger,
  ) {}

  static async open(dataDir: string, logger: SimLogger): Promise<StateStore> {
    const path = join(dataDir, 'state.json');
    let state = emptyState();
    try {
      const loaded = JSON.parse(await readFile(path, 'utf8')) as SimState;
      if (loaded.version !== 1) throw new Error(`unsupported state version ${String(loaded.version)}`);
      state = { ...emptyState(), ...loaded };
      logger.info({ path, orders: Object.keys(state.orders).length }, 'state loaded');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      logger.info({ path }, 'no state yet, starting empty');
    }
    return new StateStore(path, state, logger);
  }

  /** Applies a change to the state and schedules a write. */
  update<T>(change: (state: SimState) => T): T {
    const result = change(this.state);
    this.dirty = true;
    if (!this.writing) this.writing = this.writeLoop();
    return result;
  }

  nextSequence(): number {
    return this.update((s) => ++s.sequence);
  }

  /** Resolves once everything changed so far is on disk. */
  flush(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async writeLoop(): Promise<void> {
    await Promise.resolve(); // let the current tick's changes join this write
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeFileAtomic(this.path, JSON.stringify(this.state));
      } catch (e) {
        this.logger.error({ err: e, path: this.path }, 'state write failed');
      }
    }
    this.writing = undefined;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
