import { type EntityManager } from 'typeorm';
import { auditEntryHash, GENESIS_HASH, type AuditAction } from '../domain/audit-entry';

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
}

/**
 * Walks the chain from the first entry and stops at the first one that does not hold:
 * - a missing sequence number (an entry removed, or inserted out of turn),
 * - a prev_hash that is not the previous entry's hash (an entry rewritten with its hash recomputed),
 * - an entry_hash that does not match the entry's own fields (an entry edited in place),
 * - a head that does not point at the last entry (entries cut off the end, or added behind the appender).
 * Pages through the table, so memory stays flat however long the log is.
 */
export async function verifyAuditChain(manager: EntityManager, pageSize = 5000): Promise<AuditVerification> {
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
      `SELECT seq, occurred_at, actor, action, token, result, reason, prev_hash, entry_hash
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
      const recomputed = auditEntryHash(prevHash, row.seq, row.occurred_at, {
        actor: row.actor,
        action: row.action,
        token: row.token,
        result: row.result,
        reason: row.reason,
      });
      if (!recomputed.equals(row.entry_hash)) {
        return broken(row.seq, 'its fields do not match its hash: the entry was edited');
      }
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
  return { ok: true, checked, headSeq: head!.seq };
}
