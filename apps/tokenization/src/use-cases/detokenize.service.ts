import { Inject, Injectable } from '@nestjs/common';
import { type DetokenizeRequest, type DetokenizeResponse } from '@wxpay/contracts';
import { openStoredCard } from '../crypto/card-opener';
import { type SealedCard } from '../crypto/envelope';
import { checkFreeText, checkToken } from '../domain/text-fields';
import { tokenNotFound, VaultErrors, vaultError } from '../errors';
import { VAULT_DEPS, type Caller, type VaultDeps } from '../vault-deps';
import { unopenableCard } from './unopenable-card';

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

    let card: SealedCard;
    try {
      card = openStoredCard(this.deps, row);
    } catch (e) {
      unopenableCard(e, row, this.deps.logger);
    }
    await this.deps.audit.append({
      actor: caller.actor,
      action: 'detokenize',
      token: row.token,
      result: 'ok',
      reason: purpose,
    });
    return { pan: card.pan, expiry_month: card.expiryMonth, expiry_year: card.expiryYear };
  }
}
