import { canonicalFields } from '../crypto/canonical';
import { digest } from '../crypto/vault-crypto';

/** What the audit log records about one operation: who, what, on which token, with what outcome and why. */
export type AuditAction =
  | 'tokenize'
  | 'detokenize'
  | 'suspend'
  | 'resume'
  | 'delete'
  | 'rotation-start'
  | 'rotation-complete'
  | 'envelope-upgrade'
  | 'fingerprint-rotation';

export interface AuditFact {
  /** The caller's client-certificate CN, `anonymous` on plaintext, `system:<job>` for the vault's own jobs. */
  actor: string;
  action: AuditAction;
  token: string | null;
  /** `ok`, or the failure class (e.g. `denied`, `not-found`, `invalid`, `suspended`). */
  result: string;
  /** The purpose or reason the caller gave, or what failed; never card data. */
  reason: string | null;
}

export interface AuditEntry extends AuditFact {
  seq: string;
  occurredAt: Date;
  prevHash: Buffer;
  entryHash: Buffer;
}

export const GENESIS_HASH = Buffer.alloc(32);

/** The audit key's MAC (KeyRing.auditMac). */
export type AuditMac = (data: Buffer) => Buffer;

function entryBody(label: string, seq: string, occurredAt: Date, fact: AuditFact): Buffer {
  return canonicalFields([
    label,
    seq,
    occurredAt.toISOString(),
    fact.actor,
    fact.action,
    fact.token,
    fact.result,
    fact.reason,
  ]);
}

/**
 * Hash version 2 (every entry written since the chain was keyed):
 *   entry_hash = HMAC-SM3(audit key, prev_hash ‖ canonical(audit-v2, seq, occurred_at, actor, action, token, result,
 *   reason)).
 * Every field is length-prefixed (crypto/canonical.ts), so no two different entries encode alike, and each
 * entry's hash covers its predecessor's: changing, inserting or removing any entry breaks every later link, and
 * without the audit key (held by the vault, never in the database) nobody can recompute the links after an edit.
 */
export function auditEntryHash(
  mac: AuditMac,
  prevHash: Buffer,
  seq: string,
  occurredAt: Date,
  fact: AuditFact,
): Buffer {
  return mac(Buffer.concat([prevHash, entryBody('audit-v2', seq, occurredAt, fact)]));
}

/**
 * Hash version 1, the entries written before the chain was keyed: SM3(prev_hash ‖ canonical(audit-v1, …)). It
 * stops edits by anyone who cannot recompute hashes, not by a database writer; the verifier accepts it only before
 * the first version 2 entry.
 */
export function unkeyedAuditEntryHash(
  prevHash: Buffer,
  seq: string,
  occurredAt: Date,
  fact: AuditFact,
): Buffer {
  return digest(Buffer.concat([prevHash, entryBody('audit-v1', seq, occurredAt, fact)]));
}
