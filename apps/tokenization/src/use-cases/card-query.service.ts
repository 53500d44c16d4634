import { Inject, Injectable } from '@nestjs/common';
import { type CardView } from '@wxpay/contracts';
import { checkCardholderRef } from '../domain/card-input';
import { toCardView } from '../domain/card-view';
import { checkToken } from '../domain/text-fields';
import { tokenNotFound } from '../errors';
import { CardRepository } from '../persistence/card.repository';
import { VAULT_DEPS, type VaultDeps } from '../vault-deps';

/** GetCard and ListTokens: masked views only, never audited (they disclose nothing the caller may not see). */
@Injectable()
export class CardQueryService {
  constructor(@Inject(VAULT_DEPS) private readonly deps: VaultDeps) {}

  async getCard(token: string): Promise<CardView> {
    checkToken(token);
    const row = await this.deps.lookup.find(token);
    if (!row) throw tokenNotFound();
    return toCardView(row);
  }

  /** A cardholder's cards, oldest first (at most 1,000: a cardholder binds a handful). */
  async listTokens(cardholderRef: string, includeDeleted: boolean): Promise<CardView[]> {
    checkCardholderRef(cardholderRef);
    const rows = await CardRepository.listByCardholder(
      this.deps.dataSource.manager,
      cardholderRef,
      includeDeleted,
    );
    return rows.map(toCardView);
  }
}
