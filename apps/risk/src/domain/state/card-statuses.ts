export type CardStatus = 'ACTIVE' | 'SUSPENDED' | 'DELETED';

/** Token statuses from cards.lifecycle.v1 (and the engine's own suspensions); only non-active ones are held. */
export class CardStatuses {
  private readonly inactive = new Map<string, Exclude<CardStatus, 'ACTIVE'>>();

  status(card: string): CardStatus {
    return this.inactive.get(card) ?? 'ACTIVE';
  }

  set(card: string, status: CardStatus): void {
    if (status === 'ACTIVE') this.inactive.delete(card);
    // A deleted token never comes back, whatever arrives later.
    else if (this.inactive.get(card) !== 'DELETED') this.inactive.set(card, status);
  }

  /** Sets exactly this status, even over DELETED: only to undo a change that was rolled back. */
  revert(card: string, status: CardStatus): void {
    if (status === 'ACTIVE') this.inactive.delete(card);
    else this.inactive.set(card, status);
  }

  get size(): number {
    return this.inactive.size;
  }
}
