import { IntegrityError } from '../crypto/vault-crypto';
import { openPan, unwrapDek } from '../crypto/envelope';
import { Reasons, VaultError } from '../errors';
import { UnknownKekVersionError } from '../keys/key-errors';
import { auditRefusal } from '../audit/audit-refusal';
import { type Caller, type VaultDeps } from '../vault-deps';
import { type CardRow } from './card.repository';
import { isToken } from './card-token';
import { checkFreeText, checkToken } from './text-fields';

export interface DetokenizeRequest {
  token: string;
  purpose: string;
}

export interface DetokenizeResponse {
  pan: string;
  expiry_month: string;
  expiry_year: string;
}

/** The transport's verdict on the caller (see grpc/detokenize-access.ts). */
export type DetokenizeAccess = { allowed: true } | { allowed: false; reason: string; message: string };

/**
 * Detokenize: the one way a card number leaves the vault. Every call, allowed or not, is in the audit log;
 * an allowed call answers only after its entry is durable (group commit, see audit-log.ts), and fails closed
 * when it cannot be written. The record's status is read from the database on every call, so a suspension
 * or deletion takes effect at once on every instance.
 */
export class DetokenizeService {
  constructor(private readonly deps: VaultDeps) {}

  async detokenize(
    req: DetokenizeRequest,
    caller: Caller,
    access: DetokenizeAccess,
  ): Promise<DetokenizeResponse> {
    // Only a well-formed token goes into the log: anything else a caller sent stays out of it.
    const token = isToken(req.token) ? req.token : null;
    const refuse = async (result: string, reason: string | null, error: VaultError): Promise<never> => {
      await auditRefusal(this.deps, { actor: caller.actor, action: 'detokenize', token, result, reason });
      throw error;
    };
    if (!access.allowed) {
      this.deps.logger.warn({ actor: caller.actor, token, reason: access.reason }, 'detokenize refused');
      const error = new VaultError('permission-denied', access.message, undefined, access.reason);
      return refuse('denied', access.reason, error);
    }
    let purpose: string;
    try {
      checkToken(req.token);
      purpose = checkFreeText('purpose', req.purpose, { required: true, max: 64 })!;
    } catch (e) {
      if (e instanceof VaultError) return refuse('invalid', e.field ?? null, e);
      throw e;
    }

    const row = await this.deps.lookup.find(req.token);
    if (!row) return refuse('not-found', purpose, VaultError.tokenNotFound());
    if (row.status === 'SUSPENDED') {
      return refuse(
        'suspended',
        purpose,
        new VaultError('failed-precondition', 'token: suspended', 'token', Reasons.tokenSuspended),
      );
    }
    if (row.status === 'DELETED') {
      return refuse(
        'deleted',
        purpose,
        new VaultError('failed-precondition', 'token: deleted', 'token', Reasons.tokenDeleted),
      );
    }

    let pan: string;
    try {
      pan = this.reveal(row);
    } catch (e) {
      if (e instanceof UnknownKekVersionError) {
        // Written by an instance that already holds a newer KEK (a rolling change of keys): retry elsewhere.
        return refuse(
          'key-unavailable',
          purpose,
          new VaultError('unavailable', 'token: its key is not loaded here; retry'),
        );
      }
      if (!(e instanceof IntegrityError)) throw e;
      // Tampered or swapped ciphertext: nothing is released; the token (never the data) goes to the log.
      this.deps.logger.error(
        { token: row.token, kekVersion: row.kek_version },
        'card record failed its integrity check',
      );
      return refuse(
        'integrity-failure',
        purpose,
        new VaultError('data-loss', 'token: the card record failed its integrity check', 'token'),
      );
    }
    await this.deps.audit.append({
      actor: caller.actor,
      action: 'detokenize',
      token: row.token,
      result: 'ok',
      reason: purpose,
    });
    return { pan, expiry_month: row.expiry_month, expiry_year: row.expiry_year };
  }

  private reveal(row: CardRow): string {
    const { dekCache, ring } = this.deps;
    const cached = dekCache.get(row.token);
    if (cached) return openPan(cached, row.token, row.cardholder_ref, row.pan_sealed!);
    const dek = unwrapDek(ring, row.token, row.kek_version!, row.dek_sealed!);
    try {
      const pan = openPan(dek, row.token, row.cardholder_ref, row.pan_sealed!);
      dekCache.put(row.token, dek);
      return pan;
    } finally {
      dek.fill(0);
    }
  }
}
