import { type EntityManager } from 'typeorm';
import {
  auditEntryHash,
  GENESIS_HASH,
  unkeyedAuditEntryHash,
  type AuditAction,
  type AuditMac,
} from '../domain/audit-entry';
import { type AuditCheckpoint } from './audit-checkpoints';

export interface BrokenEntry {
  seq: string;
  problem: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries checked (up to the first break). */
  checked: number;
  headSeq: string;
  firstBroken?: BrokenEntry;
}

interface Row {
  seq: string;
  occurred_at: Date;
  actor: string;
  action: AuditAction;
  token: string | null;
  result: string;
  reason: string | null;
  prev_hash: Buffer;
  entry_hash: Buffer;
  hash_version: number;
}

/**
 * Walks the chain from the first entry, recomputing each link with the audit key (hash version 2; version 1, the
 * unkeyed links from before, only ahead of the first keyed entry), and stops at the first one that does not hold:
 * - a missing sequence number (an entry removed, or inserted out of turn),
 * - a prev_hash that is not the previous entry's hash (an entry rewritten with its hash recomputed),
 * - an entry_hash that does not match the entry's own fields (an entry edited in place),
 * - a head that does not point at the last entry (entries cut off the end, or added behind the appender),
 * - a checkpoint written outside the database (audit-checkpoints.ts) that the log no longer reaches, or whose
 *   entry now has another hash: a tail cut, or a rewrite, by someone who could also move the head.
 * Pages through the table, so memory stays flat however long the log is.
 */
export async function verifyAuditChain(
  manager: EntityManager,
  mac: AuditMac,
  opts: { checkpoint?: AuditCheckpoint; pageSize?: number } = {},
): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 5000;
  const checkpoint = opts.checkpoint;
  let keyed = false;
  let atCheckpoint: Buffer | undefined;
  const [head] = (await manager.query(`SELECT seq, entry_hash FROM audit_head`)) as {
    seq: string;
    entry_hash: Buffer;
  }[];
  let expectedSeq = 1n;
  let prevHash: Buffer = GENESIS_HASH;
  let checked = 0;
  const broken = (seq: string, problem: string): AuditVerification => ({
    ok: false,
    checked,
    headSeq: head!.seq,
    firstBroken: { seq, problem },
  });
  for (;;) {
    const rows = (await manager.query(
      `SELECT seq, occurred_at, actor, action, token, result, reason, prev_hash, entry_hash, hash_version
         FROM audit_entry WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [expectedSeq.toString(), pageSize],
    )) as Row[];
    for (const row of rows) {
      if (BigInt(row.seq) !== expectedSeq) {
        return broken(
          expectedSeq.toString(),
          `entry ${expectedSeq} is missing (the next entry is ${row.seq})`,
        );
      }
      if (!row.prev_hash.equals(prevHash)) {
        return broken(
          row.seq,
          `prev_hash does not match the hash of entry ${expectedSeq - 1n}: one was rewritten`,
        );
      }
      const fact = {
        actor: row.actor,
        action: row.action,
        token: row.token,
        result: row.result,
        reason: row.reason,
      };
      if (row.hash_version === 1 && keyed) {
        return broken(row.seq, 'an unkeyed entry after keyed ones: it was written without the audit key');
      }
      keyed ||= row.hash_version === 2;
      const recomputed =
        row.hash_version === 2
          ? auditEntryHash(mac, prevHash, row.seq, row.occurred_at, fact)
          : unkeyedAuditEntryHash(prevHash, row.seq, row.occurred_at, fact);
      if (!recomputed.equals(row.entry_hash)) {
        return broken(row.seq, 'its fields do not match its hash: the entry was edited');
      }
      if (checkpoint && row.seq === checkpoint.seq) atCheckpoint = row.entry_hash;
      prevHash = row.entry_hash;
      expectedSeq += 1n;
      checked++;
    }
    if (rows.length < pageSize) break;
  }
  const lastSeq = (expectedSeq - 1n).toString();
  if (head!.seq !== lastSeq || !head!.entry_hash.equals(prevHash)) {
    return broken(lastSeq, `the chain ends at entry ${lastSeq} but its head records entry ${head!.seq}`);
  }
  if (checkpoint && BigInt(lastSeq) < BigInt(checkpoint.seq)) {
    return broken(
      lastSeq,
      `the log ends at entry ${lastSeq} but the checkpoint of ${checkpoint.at} recorded entry ${checkpoint.seq}: ` +
        'entries were cut off the end',
    );
  }
  if (checkpoint && !atCheckpoint?.equals(checkpoint.entryHash)) {
    return broken(
      checkpoint.seq,
      `entry ${checkpoint.seq} is not the one the checkpoint of ${checkpoint.at} recorded: the log was rewritten`,
    );
  }
  return { ok: true, checked, headSeq: head!.seq };
}
