import { type DataSource, type EntityManager } from 'typeorm';
import { Reasons, VaultError } from '../errors';
import { luhnValid } from '../cards/pan-checks';

/**
 * One idempotent call: keys are scoped per caller (client-certificate CN), so two services never collide, and
 * the stored request hash is keyed (KeyRing.requestHash): it covers the PAN for Tokenize, and a plain hash of a
 * PAN could be reversed by trying every card number. The CVN2 is not part of it (never kept in any form).
 */
export interface IdempotentCall {
  caller: string;
  key: string;
  method: string;
  requestHash: Buffer;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
const DIGIT_RUN = /\d{13,}/g;

/**
 * Keys are stored as sent, so a key that is a card number is refused. Only unbroken digit runs count here: the
 * log masker's dash-aware matcher also fires on UUIDs (their hex groups can form a Luhn-valid run across the
 * dashes), and callers' keys are usually UUIDs, which never hold more than 12 digits in a row.
 */
function holdsCardNumber(key: string): boolean {
  for (const [run] of key.matchAll(DIGIT_RUN)) {
    for (let len = 13; len <= Math.min(19, run.length); len++) {
      for (let i = 0; i + len <= run.length; i++) if (luhnValid(run.slice(i, i + len))) return true;
    }
  }
  return false;
}

export function checkIdempotencyKey(key: string): string {
  if (!key) throw VaultError.invalid('idempotency_key', 'is required');
  if (!KEY_PATTERN.test(key))
    throw VaultError.invalid('idempotency_key', 'must be 1-128 printable ASCII characters');
  if (holdsCardNumber(key)) throw VaultError.invalid('idempotency_key', 'must not contain a card number');
  return key;
}

interface StoredRow {
  method: string;
  request_hash: Buffer;
  response: unknown;
}

function replayOrConflict(call: IdempotentCall, row: StoredRow): unknown {
  if (row.method !== call.method || !row.request_hash.equals(call.requestHash)) {
    throw new VaultError(
      'already-exists',
      'idempotency_key: already used for a different request',
      'idempotency_key',
      Reasons.idempotencyConflict,
    );
  }
  return row.response;
}

async function stored(manager: EntityManager, call: IdempotentCall): Promise<StoredRow | undefined> {
  const [row] = (await manager.query(
    `SELECT method, request_hash, response FROM idempotency_record WHERE caller = $1 AND idempotency_key = $2`,
    [call.caller, call.key],
  )) as StoredRow[];
  return row;
}

/**
 * Runs `work` once per (caller, key): the first successful answer is stored with the request hash in the same
 * transaction as the change, and returned again for the same request; a different request under the same key
 * fails with ALREADY_EXISTS / IDEMPOTENCY_CONFLICT. A concurrent duplicate blocks on the key's row until the
 * first commits, then replays it. Failures are not stored: a retry after an error runs again.
 * `work` may return a `last` step, run after the answer is stored, right before the commit: the audit append,
 * which holds the audit chain's head lock until the commit, so it must be the last statement.
 */
export async function runIdempotent<T>(
  dataSource: DataSource,
  call: IdempotentCall,
  work: (manager: EntityManager) => Promise<{ value: T; last?: (manager: EntityManager) => Promise<void> }>,
): Promise<{ value: T; replayed: boolean }> {
  const prior = await stored(dataSource.manager, call);
  if (prior) return { value: replayOrConflict(call, prior) as T, replayed: true };
  const outcome = await dataSource.transaction(async (manager) => {
    // Claimed first, so a concurrent duplicate waits here rather than doing the work twice.
    const claimed = (await manager.query(
      `INSERT INTO idempotency_record (caller, idempotency_key, method, request_hash, response)
       VALUES ($1, $2, $3, $4, 'null'::jsonb) ON CONFLICT DO NOTHING RETURNING 1`,
      [call.caller, call.key, call.method, call.requestHash],
    )) as unknown[];
    if (claimed.length === 0) return { claimed: false as const };
    const { value, last } = await work(manager);
    await manager.query(
      `UPDATE idempotency_record SET response = $3 WHERE caller = $1 AND idempotency_key = $2`,
      [call.caller, call.key, JSON.stringify(value)],
    );
    await last?.(manager);
    return { claimed: true as const, result: value };
  });
  if (outcome.claimed) return { value: outcome.result, replayed: false };
  const winner = await stored(dataSource.manager, call);
  if (!winner)
    throw new VaultError('unavailable', 'idempotency_key: the first request is still in flight; retry');
  return { value: replayOrConflict(call, winner) as T, replayed: true };
}

/** Deletes records older than the retention (their keys may then be used again). */
export async function pruneIdempotencyRecords(dataSource: DataSource, retentionMs: number): Promise<number> {
  const [, count] = (await dataSource.query(
    `DELETE FROM idempotency_record WHERE created_at < now() - make_interval(secs => $1)`,
    [retentionMs / 1000],
  )) as [unknown[], number];
  return count;
}
