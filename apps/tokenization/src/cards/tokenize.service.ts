import { type EntityManager } from 'typeorm';
import { sealNewRecord } from '../crypto/envelope';
import { VaultError } from '../errors';
import { checkIdempotencyKey, runIdempotent } from '../idempotency/idempotency';
import { auditRefusal } from '../audit/audit-refusal';
import { type Caller, type VaultDeps } from '../vault-deps';
import { validateCard, type TokenizeFields, type ValidCard } from './card-input';
import { CardRepository, type CardRow } from './card.repository';
import { emitCardEvent } from './card-events';
import { newToken } from './card-token';
import { toCardView, type CardView } from './card-view';

export interface TokenizeRequest extends TokenizeFields {
  idempotency_key: string;
}

export interface TokenizeResponse {
  token: string;
  created: boolean;
  card: CardView;
}

function laterExpiry(row: CardRow, card: ValidCard): boolean {
  return `${card.expiryYear}${card.expiryMonth}` > `${row.expiry_year}${row.expiry_month}`;
}

/**
 * Tokenize: one token per (cardholder, card number). The keyed fingerprint finds an existing token; a new card
 * claims its fingerprint first, so concurrent tokenizations of the same card wait on that claim and converge on
 * the first one's token. A reissued card (same number, later expiry) keeps its token and takes the new expiry.
 */
export class TokenizeService {
  constructor(private readonly deps: VaultDeps) {}

  async tokenize(req: TokenizeRequest, caller: Caller): Promise<TokenizeResponse> {
    let card: ValidCard;
    try {
      checkIdempotencyKey(req.idempotency_key);
      card = validateCard(req, this.deps.bins, this.deps.now());
    } catch (e) {
      if (e instanceof VaultError) await this.auditRefusal(caller, e);
      throw e;
    }
    const requestHash = this.deps.ring.requestHash('Tokenize', [
      card.cardholderRef,
      card.pan,
      card.expiryMonth,
      card.expiryYear,
    ]);
    try {
      const { value, replayed } = await runIdempotent(
        this.deps.dataSource,
        { caller: caller.actor, key: req.idempotency_key, method: 'Tokenize', requestHash },
        (manager) => this.tokenizeIn(manager, card, caller),
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
    } catch (e) {
      if (e instanceof VaultError) await this.auditRefusal(caller, e);
      throw e;
    }
  }

  private async tokenizeIn(
    manager: EntityManager,
    card: ValidCard,
    caller: Caller,
  ): Promise<{ value: TokenizeResponse; last: (m: EntityManager) => Promise<void> }> {
    const { ring, audit } = this.deps;
    const recorded = (value: TokenizeResponse, reason: string) => ({
      value,
      last: (m: EntityManager) =>
        audit.appendWithin(m, [
          { actor: caller.actor, action: 'tokenize', token: value.token, result: 'ok', reason },
        ]),
    });
    const fingerprint = ring.fingerprint(card.pan);
    let token = await CardRepository.tokenByFingerprint(manager, card.cardholderRef, fingerprint);
    if (!token) {
      const fresh = newToken();
      if (await CardRepository.claimFingerprint(manager, card.cardholderRef, fingerprint, fresh)) {
        const sealed = sealNewRecord(ring, fresh, card.cardholderRef, card.pan);
        const row = await CardRepository.insert(manager, fresh, card, sealed);
        await emitCardEvent(manager, this.deps.eventsTopic, 'CardTokenized', row, caller.traceId);
        return recorded({ token: fresh, created: true, card: toCardView(row) }, 'created');
      }
      // Another transaction claimed this card first and has committed: use its token.
      token = await CardRepository.tokenByFingerprint(manager, card.cardholderRef, fingerprint);
      if (!token) throw new VaultError('unavailable', 'a concurrent tokenization of this card failed; retry');
    }
    let row = (await CardRepository.find(manager, token, true))!;
    let reason = 'existing';
    if (laterExpiry(row, card)) {
      row = await CardRepository.updateExpiry(manager, token, card.expiryMonth, card.expiryYear);
      reason = 'existing, expiry updated';
    }
    return recorded({ token, created: false, card: toCardView(row) }, reason);
  }

  private async auditRefusal(caller: Caller, e: VaultError): Promise<void> {
    await auditRefusal(this.deps, {
      actor: caller.actor,
      action: 'tokenize',
      token: null,
      result: e.kind === 'invalid-argument' ? 'invalid' : e.kind,
      reason: e.reason ?? e.field ?? null,
    });
  }
}
