import { Inject, Injectable } from '@nestjs/common';
import { type DetokenizeRequest, type DetokenizeResponse } from '@wxpay/contracts';
import { IntegrityError } from '../crypto/vault-crypto';
import { openPan, unwrapDek } from '../crypto/envelope';
import { checkFreeText, checkToken } from '../domain/text-fields';
import { tokenNotFound, VaultErrors, vaultError } from '../errors';
import { UnknownKekVersionError } from '../keys/key-errors';
import { type CardRow } from '../persistence/card.repository';
import { VAULT_DEPS, type Caller, type VaultDeps } from '../vault-deps';

/**
 * Detokenize: the one way a card number leaves the vault. Who may call it is the controller's (@Callers); every
 * call, allowed or not, is in the audit log: an allowed call answers only after its entry is durable (group
 * commit, see audit-log.ts) and fails closed when it cannot be written, a refusal is recorded by
 * VaultRefusalFilter. The record's status is read from the database on every call, so a suspension or deletion
 * takes effect at once on every instance.
 */
@Injectable()
export class DetokenizeService {
  constructor(@Inject(VAULT_DEPS) private readonly deps: VaultDeps) {}

  /** `plaintextAllowed`: the call came without TLS, where only the development flag lets anyone detokenize. */
  async detokenize(
    req: DetokenizeRequest,
    caller: Caller,
    transport: { tls: boolean; plaintextAllowed: boolean },
  ): Promise<DetokenizeResponse> {
    if (!transport.tls && !transport.plaintextAllowed) {
      this.deps.logger.warn({ actor: caller.actor }, 'detokenize refused: plaintext server');
      throw vaultError(
        VaultErrors.plaintextDetokenize,
        'detokenize needs a mutual-TLS connection (this server runs without TLS)',
      );
    }
    checkToken(req.token);
    const purpose = checkFreeText('purpose', req.purpose, { required: true, max: 64 })!;

    const row = await this.deps.lookup.find(req.token);
    if (!row) throw tokenNotFound();
    if (row.status === 'SUSPENDED') throw vaultError(VaultErrors.tokenSuspended, 'token: suspended', 'token');
    if (row.status === 'DELETED') throw vaultError(VaultErrors.tokenDeleted, 'token: deleted', 'token');

    let pan: string;
    try {
      pan = this.reveal(row);
    } catch (e) {
      if (e instanceof UnknownKekVersionError) {
        // Written by an instance that already holds a newer KEK (a rolling change of keys): retry elsewhere.
        throw vaultError(VaultErrors.keyUnavailable, 'token: its key is not loaded here; retry');
      }
      if (!(e instanceof IntegrityError)) throw e;
      // Tampered or swapped ciphertext: nothing is released; the token (never the data) goes to the log.
      this.deps.logger.error(
        { token: row.token, kekVersion: row.kek_version },
        'card record failed its integrity check',
      );
      throw vaultError(
        VaultErrors.integrityFailure,
        'token: the card record failed its integrity check',
        'token',
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
