import {
  type DecisionOutcome,
  type GeoFix,
  type RiskSubject,
  type SubjectType,
} from '../engine/risk-subject';
import { CardProfiles, type ProfileChange } from './card-profiles';
import { CardStatuses, type CardStatus } from './card-statuses';
import { ListCache, type ListEntry, type ListKind, type ListSubject } from './list-cache';
import { WindowKind, type WindowEntity, type WindowField } from './window-kinds';
import { WindowStore } from './window-store';

/** The window entry a subject contributes: a lifecycle fact, or an attempt. */
export interface WindowFact {
  kind: WindowKind;
  count: number;
  amount: number;
}

export function entityKey(s: RiskSubject, entity: WindowEntity): string {
  switch (entity) {
    case 'card':
      return s.cardToken;
    case 'device':
      return s.deviceId;
    case 'ip':
      return s.ip;
    case 'merchant':
      return s.merchantId;
  }
}

const LIST_VALUE: Record<ListSubject, (s: RiskSubject) => string> = {
  CARD_TOKEN: (s) => s.cardToken,
  DEVICE: (s) => s.deviceId,
  IP: (s) => s.ip,
  MERCHANT: (s) => s.merchantId,
};

/** Payment lifecycle facts as window entries: a reversal releases an authorisation, so it counts negatively. */
export function windowFactOf(type: SubjectType, amountCny: number): WindowFact | null {
  switch (type) {
    case 'Attempt':
      return { kind: WindowKind.ATTEMPT, count: 1, amount: amountCny };
    case 'PaymentFailed':
      return { kind: WindowKind.DECLINE, count: 1, amount: amountCny };
    case 'PaymentAuthorized':
      return { kind: WindowKind.AUTH, count: 1, amount: amountCny };
    case 'PaymentReversed':
      return { kind: WindowKind.AUTH, count: -1, amount: -amountCny };
    case 'PaymentCaptured':
      return { kind: WindowKind.CAPTURE, count: 1, amount: amountCny };
    case 'PaymentRefunded':
      return { kind: WindowKind.REFUND, count: 1, amount: amountCny };
  }
}

const ENTITIES: readonly WindowEntity[] = ['card', 'device', 'ip', 'merchant'];

/**
 * Everything the rules read, in memory: velocity windows, card profiles and statuses, lists. Mutated only from
 * the event loop (attempts in Evaluate, lifecycle facts after their database commit), so an evaluation, which is
 * synchronous, always sees one consistent state.
 */
export class RiskState {
  readonly windows: WindowStore;
  readonly profiles: CardProfiles;
  readonly statuses = new CardStatuses();
  readonly lists = new ListCache();

  constructor(opts: { maxKeysPerEntity?: number; maxCards?: number } = {}) {
    this.windows = new WindowStore(opts.maxKeysPerEntity);
    this.profiles = new CardProfiles(opts.maxCards);
  }

  /** Counts an attempt in every window at once, before its rules run: a burst cannot slip between calls. */
  recordAttempt(s: RiskSubject): void {
    this.addToWindows(s, { kind: WindowKind.ATTEMPT, count: 1, amount: s.amountCny });
  }

  /** An attempt that was not rejected moves the card's last known position. */
  noteOutcome(s: RiskSubject, decision: DecisionOutcome): void {
    if (decision !== 'REJECT' && s.point) this.profiles.updateGeo(s.cardToken, s.point, s.at);
  }

  /**
   * Applies a payment lifecycle fact: windows, and what an authorised payment teaches about the card. Returns what
   * the profile learned and how to take the whole fact back (its transaction may still roll back).
   */
  applyFact(s: RiskSubject): { change: ProfileChange; undo: () => void } {
    const fact = windowFactOf(s.eventType, s.amountCny);
    if (fact) this.addToWindows(s, fact);
    const before = this.profiles.get(s.cardToken);
    const saved = before ? { crossBorderAt: before.crossBorderAt, lastGeo: before.lastGeo } : null;
    const change: ProfileChange = {};
    if (s.eventType === 'PaymentAuthorized' || s.eventType === 'PaymentCaptured') {
      if (this.profiles.learnDevice(s.cardToken, s.deviceId)) change.newDevice = s.deviceId;
      if (s.scene === 'CROSS_BORDER' && this.profiles.markCrossBorder(s.cardToken, s.at)) {
        change.firstCrossBorderAt = s.at;
      }
      if (s.point) this.profiles.updateGeo(s.cardToken, s.point, s.at);
    }
    const undo = () => {
      if (fact) this.addToWindows(s, { kind: fact.kind, count: -fact.count, amount: -fact.amount });
      if (change.newDevice) this.profiles.forgetDevice(s.cardToken, change.newDevice);
      this.profiles.revert(s.cardToken, saved?.crossBorderAt ?? null, saved?.lastGeo ?? null);
    };
    return { change, undo };
  }

  /**
   * The view rules evaluate against. `pending` is a lifecycle fact whose transaction has not committed yet: it is
   * counted in the windows read through this frame without being applied to the shared state.
   */
  frame(s: RiskSubject, pending: WindowFact | null = null): Frame {
    return new Frame(s, this, pending);
  }

  private addToWindows(s: RiskSubject, f: WindowFact): void {
    for (const entity of ENTITIES)
      this.windows.add(entity, entityKey(s, entity), f.kind, f.count, f.amount, s.at);
  }
}

/** One evaluation's inputs: the subject, and the card's profile as it was before this subject. */
export class Frame {
  readonly prevGeo: GeoFix | null;
  readonly deviceKnown: boolean;
  readonly crossBorderSeen: boolean;

  constructor(
    readonly s: RiskSubject,
    private readonly state: RiskState,
    private readonly pending: WindowFact | null,
  ) {
    const profile = state.profiles.get(s.cardToken);
    this.prevGeo = profile?.lastGeo ?? null;
    this.deviceKnown = s.deviceId !== '' && (profile?.devices.includes(s.deviceId) ?? false);
    this.crossBorderSeen = (profile?.crossBorderAt ?? null) !== null;
  }

  window(entity: WindowEntity, kind: WindowKind, field: WindowField, spanMs: number): number {
    const key = entityKey(this.s, entity);
    if (!key) return 0;
    let total = this.state.windows.sum(entity, key, kind, field, spanMs, this.s.at);
    const p = this.pending;
    if (p && p.kind === kind) total += field === 'count' ? p.count : p.amount;
    return total;
  }

  listed(kind: ListKind, subject: ListSubject): ListEntry | undefined {
    return this.state.lists.lookup(kind, subject, LIST_VALUE[subject](this.s), this.s.at);
  }

  cardStatus(): CardStatus {
    return this.state.statuses.status(this.s.cardToken);
  }
}
