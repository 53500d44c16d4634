import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError } from './pki-error';

const RETRY_MS = 50;
const WAIT_LIMIT_MS = 60_000;
// Generating a whole PKI takes well under this; an older lock was left by a process that died holding it.
const STALE_AFTER_MS = 120_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `work` while holding `<dir>/.lock` (a directory, because mkdir is atomic everywhere), so a launcher, a
 * compose init container and parallel test workers can all call ensureDevPki on one directory without mixing
 * leaves signed by two different CAs.
 */
export async function withDirectoryLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_AFTER_MS) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new PkiError(`timed out waiting for ${lock}; remove it if no generator is running`);
      else await sleep(RETRY_MS);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
