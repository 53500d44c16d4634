import { type DataSource, type EntityManager } from 'typeorm';

/** What one batch did: rows it locked, rows it changed, the last token (the next batch starts after it). */
export interface BatchOutcome {
  seen: number;
  done: number;
  last?: string;
}

/**
 * The vault's background jobs' walk over records in token order: `batch(manager, after)` runs in its own
 * transaction (locking what it takes, SKIP LOCKED, so instances share the work), until a batch comes back short
 * or `signal` aborts, pausing `pauseMs` between batches; a crash loses at most the batch in flight. Answers how
 * many records the batches changed.
 */
export async function inTokenBatches(
  dataSource: DataSource,
  size: number,
  batch: (manager: EntityManager, after: string) => Promise<BatchOutcome>,
  opts: { signal?: AbortSignal; pauseMs?: number } = {},
): Promise<number> {
  let after = '';
  let changed = 0;
  while (!opts.signal?.aborted) {
    const outcome = await dataSource.transaction((manager) => batch(manager, after));
    changed += outcome.done;
    if (outcome.seen < size || !outcome.last) break;
    after = outcome.last;
    if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
  return changed;
}
