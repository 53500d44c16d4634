import { VaultError } from '../errors';
import { type VaultDeps } from '../vault-deps';
import { checkCardholderRef } from './card-input';
import { CardRepository } from './card.repository';
import { toCardView, type CardView } from './card-view';
import { checkToken } from './text-fields';

/** GetCard and ListTokens: masked views only, open to every authenticated caller, not audited. */
export class CardQueryService {
  constructor(private readonly deps: Pick<VaultDeps, 'dataSource' | 'lookup'>) {}

  async getCard(token: string): Promise<CardView> {
    checkToken(token);
    const row = await this.deps.lookup.find(token);
    if (!row) throw VaultError.tokenNotFound();
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
