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

/**
 * entry_hash = SM3(prev_hash ‖ canonical(audit-v1, seq, occurred_at, actor, action, token, result, reason)).
 * Every field is length-prefixed (crypto/canonical.ts), so no two different entries encode alike, and each
 * entry's hash covers its predecessor's: changing, inserting or removing any entry breaks every later link.
 */
export function auditEntryHash(prevHash: Buffer, seq: string, occurredAt: Date, fact: AuditFact): Buffer {
  const body = canonicalFields([
    'audit-v1',
    seq,
    occurredAt.toISOString(),
    fact.actor,
    fact.action,
    fact.token,
    fact.result,
    fact.reason,
  ]);
  return digest(Buffer.concat([prevHash, body]));
}
