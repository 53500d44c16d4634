import { toYymm } from '@wxpay/card';
import { money } from '@wxpay/persistence';
import {
  ChannelUnavailableError,
  type ChannelResult,
  type LoggedRequest,
  type TransactionReference,
  type UnionPayClient,
  type UnionPayRequestLogReader,
} from '@wxpay/unionpay';
import {
  type AuthorizeRequest,
  type AuthorizeResult,
  type ChannelAck,
  type ChannelPort,
  type ChannelRefundRequest,
  type HoldRef,
  type ReverseResult,
  type SettlementLine,
} from '../../ports/channel.port';
import { type ChannelRefundLinkRepository } from '../../persistence/channel-refund-link.repository';
import { type SettlementSource } from './settlement-source';

/** Tags the card request with our payment id, so an authorisation whose answer we lost can be found again. */
export function cardRefOf(paymentId: string): string {
  return `pay:${paymentId}`;
}

/** Our payment id from a card reference, when it is one of ours. */
export function paymentIdOfCardRef(cardRef: string | null): string | null {
  return cardRef?.startsWith('pay:') ? cardRef.slice(4) : null;
}

export interface UnionPayAdapterOptions {
  /** How long a reversal call waits for the acknowledgement before answering PENDING (it keeps going). */
  reversalWaitMs: number;
}

/**
 * ChannelPort over the UnionPay client. The client writes every request to its log (in our database) before
 * sending and reverses anything unanswered by itself; this adapter reads that log before it sends anything again,
 * so a retry after a crash or a lost answer never completes, refunds or holds twice:
 * - an authorisation is tagged with the payment id (card_ref), so one whose answer was lost can be found and
 *   reversed;
 * - a completion or refund is re-sent only when the earlier attempt is known not to have counted (declined, not
 *   sent, or timed out with its reversal acknowledged).
 */
export class UnionPayChannelAdapter implements ChannelPort {
  constructor(
    private readonly client: UnionPayClient,
    /** The client's request log, read through libs/unionpay's API. */
    private readonly log: UnionPayRequestLogReader,
    private readonly links: ChannelRefundLinkRepository,
    private readonly settlement: SettlementSource,
    private readonly options: UnionPayAdapterOptions,
  ) {}

  async authorize(r: AuthorizeRequest): Promise<AuthorizeResult> {
    let result: ChannelResult;
    try {
      result = await this.client.authorize({
        pan: r.card.pan,
        expiry: toYymm(r.card.expiryMonth, r.card.expiryYear),
        amount: money(r.amountMinor, r.currency),
        cardRef: cardRefOf(r.authId),
      });
    } catch (e) {
      if (e instanceof ChannelUnavailableError) return { outcome: 'UNAVAILABLE' };
      throw e;
    }
    if (result.outcome === 'approved') {
      return { outcome: 'APPROVED', authCode: result.authCode, channelRef: JSON.stringify(result.reference) };
    }
    if (result.outcome === 'declined') return { outcome: 'DECLINED', responseCode: result.responseCode };
    return { outcome: 'UNKNOWN' };
  }

  async authorizationSent(authId: string): Promise<boolean> {
    // The client logs a request before it writes a byte to the channel: no row (or one marked not sent) means
    // nothing left.
    const attempts = await this.log.byCardRef(cardRefOf(authId), 'preauth');
    return attempts.some((a) => a.state !== 'not-sent');
  }

  async complete(hold: HoldRef): Promise<ChannelAck> {
    const preauth = await this.preauthOf(hold);
    if (!preauth) return { outcome: 'DECLINED', responseCode: 'NO_HOLD' };
    const earlier = this.verdict(await this.log.followUpsOf(preauth.requestId, 'completion'));
    if (earlier) return earlier;
    return this.send(() =>
      this.client.complete({ original: preauth, amount: money(hold.amountMinor, hold.currency) }),
    );
  }

  async reverse(hold: HoldRef): Promise<ReverseResult> {
    const known = this.referenceOf(hold);
    const attempts = known
      ? [await this.log.byId(known.requestId)].filter((x): x is LoggedRequest => x !== undefined)
      : await this.log.byCardRef(cardRefOf(hold.authId), 'preauth');
    let pending = false;
    for (const a of attempts) {
      if (a.state === 'declined' || a.state === 'not-sent') continue;
      if (a.state === 'pending') {
        // Still in flight, or orphaned by a process that died: the client's sweep reverses it.
        pending = true;
        continue;
      }
      if (a.state === 'timed-out') {
        if (a.reversalState !== 'acknowledged') pending = true;
        continue;
      }
      // Approved: ask for its reversal (idempotent in the client: one reversal per request, store and forward).
      try {
        const r = await this.client.reverse(a.reference, this.options.reversalWaitMs);
        if (r.outcome !== 'acknowledged') pending = true;
      } catch (e) {
        if (!(e instanceof ChannelUnavailableError)) throw e;
        pending = true;
      }
    }
    return pending ? { outcome: 'PENDING' } : { outcome: 'ACKNOWLEDGED' };
  }

  async refund(r: ChannelRefundRequest): Promise<ChannelAck> {
    const preauth = await this.preauthOf(r.hold);
    if (!preauth) return { outcome: 'DECLINED', responseCode: 'NO_HOLD' };
    const completion = (await this.log.followUpsOf(preauth.requestId, 'completion')).find(
      (c) => c.state === 'approved',
    );
    if (!completion) return { outcome: 'DECLINED', responseCode: 'NOT_CAPTURED' };
    const linked = await this.links.requestOf(r.refundId);
    const earlier = linked
      ? [await this.log.byId(linked)].filter((x): x is LoggedRequest => x !== undefined)
      : await this.unlinkedRefunds(completion.reference.requestId, r.amountMinor);
    if (!linked && earlier[0]) await this.links.link(r.refundId, earlier[0].reference.requestId);
    const verdict = this.verdict(earlier.slice(0, 1));
    if (verdict) return verdict;
    return this.send(
      () =>
        this.client.refund({ original: completion.reference, amount: money(r.amountMinor, r.hold.currency) }),
      (reference) => this.links.link(r.refundId, reference.requestId),
    );
  }

  /** Refund requests of a completion for this amount not linked to any of our refunds (sent by a process that died). */
  private async unlinkedRefunds(completionRequestId: string, amountMinor: number): Promise<LoggedRequest[]> {
    const refunds = (await this.log.followUpsOf(completionRequestId, 'refund')).filter(
      (x) => x.reference.amount.minor === amountMinor,
    );
    const linked = await this.links.refundsOf(refunds.map((x) => x.reference.requestId));
    return refunds.filter((x) => !linked.has(x.reference.requestId));
  }

  settlementFile(businessDate: string): Promise<SettlementLine[]> {
    return this.settlement.lines(businessDate);
  }

  /**
   * What earlier attempts of a follow-up tell: approved → done; in flight or being reversed → ask later;
   * declined (not retryable here) → declined; otherwise (none, not sent, reversed) → undefined: send it.
   */
  private verdict(attempts: LoggedRequest[]): ChannelAck | undefined {
    for (const a of attempts) {
      if (a.state === 'approved') return { outcome: 'DONE' };
    }
    for (const a of attempts) {
      if (a.state === 'pending') return { outcome: 'UNKNOWN' };
      if (a.state === 'timed-out' && a.reversalState !== 'acknowledged') return { outcome: 'UNKNOWN' };
    }
    return undefined;
  }

  private async send(
    call: () => Promise<ChannelResult>,
    onSent?: (reference: TransactionReference) => Promise<void>,
  ): Promise<ChannelAck> {
    let result: ChannelResult;
    try {
      result = await call();
    } catch (e) {
      if (e instanceof ChannelUnavailableError) return { outcome: 'UNKNOWN' };
      throw e;
    }
    await onSent?.(result.reference);
    if (result.outcome === 'approved') return { outcome: 'DONE' };
    if (result.outcome === 'declined') {
      // A retryable decline (issuer or network unavailable) applied nothing: ask again later.
      return result.retryable
        ? { outcome: 'UNKNOWN' }
        : { outcome: 'DECLINED', responseCode: result.responseCode };
    }
    return { outcome: 'UNKNOWN' };
  }

  private referenceOf(hold: HoldRef): TransactionReference | undefined {
    if (!hold.channelRef) return undefined;
    try {
      return JSON.parse(hold.channelRef) as TransactionReference;
    } catch {
      return undefined;
    }
  }

  private async preauthOf(hold: HoldRef): Promise<TransactionReference | undefined> {
    const known = this.referenceOf(hold);
    if (known) return known;
    return (await this.log.byCardRef(cardRefOf(hold.authId), 'preauth')).find((a) => a.state === 'approved')
      ?.reference;
  }
}
