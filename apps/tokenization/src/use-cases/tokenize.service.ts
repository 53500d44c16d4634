import { Inject, Injectable } from '@nestjs/common';
import { type TokenizeRequest, type TokenizeResponse } from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { IdempotencyStore } from '@wxpay/persistence';
import { type EntityManager } from 'typeorm';
import { withDataKey } from '../crypto/card-opener';
import { openCard, sealCard, sealNewRecord, type SealedCard } from '../crypto/envelope';
import { validateCard, type ValidCard } from '../domain/card-input';
import { newToken } from '../domain/card-token';
import { toCardView } from '../domain/card-view';
import { VaultErrors, vaultError } from '../errors';
import { emitCardEvent } from '../persistence/card-events';
import { CardRepository } from '../persistence/card.repository';
import { VAULT_DEPS, type Caller, type VaultDeps } from '../vault-deps';
import { unopenableCard } from './unopenable-card';

function laterExpiry(stored: SealedCard, card: ValidCard): boolean {
  return `${card.expiryYear}${card.expiryMonth}` > `${stored.expiryYear}${stored.expiryMonth}`;
}

/**
 * Tokenize: one token per (cardholder, card number). The keyed fingerprint finds an existing token; a new card
 * claims its fingerprint first, so concurrent tokenizations of the same card wait on that claim and converge on
 * the first one's token. A reissued card (same number, later expiry) keeps its token and takes the new expiry.
 * The card is checked here, not by a request pipe: every refusal must reach the audit log (VaultRefusalFilter).
 */
@Injectable()
export class TokenizeService {
  constructor(
    @Inject(VAULT_DEPS) private readonly deps: VaultDeps,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async tokenize(req: TokenizeRequest, caller: Caller, key: IdempotentRequest): Promise<TokenizeResponse> {
    const card = validateCard(req, this.deps.bins, this.deps.now());
    const { value, replayed } = await this.idempotency.once(this.deps.dataSource, key, (manager) =>
      this.tokenizeIn(manager, card, caller),
    );
    if (replayed) {
      await this.deps.audit.append({
        actor: caller.actor,
        action: 'tokenize',
        token: value.token,
        result: 'ok, replayed',
        reason: 'idempotency key seen before',
      });
    }
    return value;
  }

  private async tokenizeIn(manager: EntityManager, card: ValidCard, caller: Caller) {
    const { ring, audit } = this.deps;
    const recorded = (value: TokenizeResponse, reason: string) => ({
      value,
      last: (m: EntityManager) =>
        audit.appendWithin(m, [
          { actor: caller.actor, action: 'tokenize', token: value.token, result: 'ok', reason },
        ]),
    });
    // Looked up under every loaded fingerprint key version, claimed under the current one (see lockCardholder).
    await CardRepository.lockCardholder(manager, card.cardholderRef);
    const fingerprints = ring.fingerprints(card.pan);
    const current = { value: ring.fingerprint(card.pan), keyVersion: ring.currentFingerprintVersion };
    let token = await CardRepository.tokenByFingerprint(manager, card.cardholderRef, fingerprints);
    if (!token) {
      const fresh = newToken();
      if (await CardRepository.claimFingerprint(manager, card.cardholderRef, current, fresh)) {
        const sealed = sealNewRecord(ring, fresh, card.cardholderRef, card);
        const row = await CardRepository.insert(manager, fresh, card, sealed);
        await emitCardEvent(manager, this.deps.eventsTopic, 'CardTokenized', row, caller.traceId);
        return recorded({ token: fresh, created: true, card: toCardView(row) }, 'created');
      }
      // Another transaction claimed this card first and has committed: use its token.
      token = await CardRepository.tokenByFingerprint(manager, card.cardholderRef, fingerprints);
      if (!token)
        throw vaultError(VaultErrors.tokenizeRetry, 'a concurrent tokenization of this card failed; retry');
    }
    let row = (await CardRepository.find(manager, token, true))!;
    let reason = 'existing';
    // The stored expiry is sealed with the number: the record is opened (and sealed again, same data key) only
    // here, in the transaction that holds its row lock.
    let resealed: Buffer | undefined;
    try {
      resealed = withDataKey(this.deps, row, (dek) =>
        laterExpiry(openCard(dek, row), card)
          ? sealCard(dek, row.token, row.cardholder_ref, card)
          : undefined,
      );
    } catch (e) {
      unopenableCard(e, row, this.deps.logger);
    }
    if (resealed) {
      row = await CardRepository.reseal(manager, token, resealed);
      reason = 'existing, expiry updated';
    }
    return recorded({ token, created: false, card: toCardView(row) }, reason);
  }
}
