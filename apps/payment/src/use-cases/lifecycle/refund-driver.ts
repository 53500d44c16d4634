import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { type Refund } from '../../domain/payment';
import { type ChannelAck } from '../../ports/channel.port';
import { CounterpartyRejectedError } from '../../ports/port-errors';
import { type RefundState } from '../../ports/wechatpay.port';
import { StaleStateError } from '../../persistence/stale-state.error';
import { leaseHeartbeat } from './lease-heartbeat';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './lifecycle-deps';
import { failRefund, settleRefund } from './refund-outcomes';
import { holdOf } from './steps/hold-of';

type RefundStep =
  { kind: 'moved'; refund: Refund } | { kind: 'wait' } | { kind: 'retry-later'; delayMs: number };

const MAX_STEPS = 8;
const ACTOR = 'refund-driver';

/**
 * Drives a refund: WeChat Pay first (keyed by out_refund_no, so a re-send refunds once), then — once WeChat Pay
 * reports success, by REFUND.SUCCESS or by query — the credit to the card over the channel. Like payments, an
 * unanswered request is resolved by querying before anything is sent again, under a lease.
 */
@Injectable()
export class RefundDriver {
  private readonly owner = `refund-driver-${randomUUID()}`;
  private drives = 0;

  constructor(@Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps) {}

  async advance(refundId: string, mode: 'request' | 'janitor'): Promise<Refund | undefined> {
    // One lease owner per drive (see PaymentDriver): actors of one process must not share a lease.
    const owner = `${this.owner}-${++this.drives}`;
    const claimed = await this.d.refunds.claimLease(this.d.ds, refundId, owner, this.d.settings.leaseMs, () =>
      this.d.metrics.leaseTakeovers.inc({ resource: 'refund' }),
    );
    if (!claimed) return this.d.refunds.find(this.d.ds, refundId);
    let r = claimed;
    const stopHeartbeat = leaseHeartbeat(this.d.settings.leaseMs, () =>
      this.d.refunds.claimLease(this.d.ds, refundId, owner, this.d.settings.leaseMs),
    );
    try {
      for (let i = 0; i < MAX_STEPS; i++) {
        let result: RefundStep;
        try {
          result = await this.step(r, mode);
        } catch (e) {
          if (!(e instanceof StaleStateError)) throw e;
          r = (await this.d.refunds.find(this.d.ds, refundId))!;
          continue;
        }
        if (result.kind === 'wait') break;
        if (result.kind === 'retry-later') {
          await this.d.refunds.postpone(this.d.ds, refundId, result.delayMs);
          break;
        }
        r = result.refund;
      }
    } finally {
      stopHeartbeat();
      await this.d.refunds.releaseLease(this.d.ds, refundId, owner).catch(() => undefined);
    }
    return this.d.refunds.find(this.d.ds, refundId);
  }

  private async step(r: Refund, mode: 'request' | 'janitor'): Promise<RefundStep> {
    switch (r.status) {
      case 'REFUND_REQUESTED':
        return this.send(r);
      case 'REFUND_UNKNOWN':
        return this.resolve(r, await this.query(r));
      case 'REFUND_PROCESSING':
        // Normally finished by REFUND.*; the janitor asks when no notification came in time.
        return mode === 'janitor' ? this.resolve(r, await this.query(r)) : { kind: 'wait' };
      case 'REFUND_CHANNEL':
        return this.creditCard(r);
      default:
        return { kind: 'wait' };
    }
  }

  private async send(r: Refund): Promise<RefundStep> {
    const p = (await this.d.payments.find(this.d.ds, r.paymentId))!;
    try {
      const state = await this.d.wechat.createRefund({
        outTradeNo: p.outTradeNo,
        outRefundNo: r.outRefundNo,
        amountMinor: r.amountMinor,
        totalMinor: p.amountMinor,
        reason: r.reason,
      });
      this.count('create-refund', state.status);
      return this.resolve(r, state);
    } catch (e) {
      if (e instanceof CounterpartyRejectedError) {
        this.count('create-refund', 'rejected');
        return { kind: 'moved', refund: await failRefund(this.d, r, e.code) };
      }
      this.count('create-refund', 'unknown');
      await this.d.ds.transaction((m) => this.d.refunds.transition(m, r, 'REFUND_UNKNOWN'));
      return { kind: 'retry-later', delayMs: this.d.settings.retryDelayMs };
    }
  }

  private async query(r: Refund): Promise<RefundState | undefined> {
    try {
      const state = await this.d.wechat.queryRefund(r.outRefundNo);
      this.count('query-refund', state.found ? state.status : 'not-found');
      return state;
    } catch {
      this.count('query-refund', 'error');
      return undefined;
    }
  }

  /** Applies what WeChat Pay says about the refund (from a create answer or a query). */
  private async resolve(r: Refund, state: RefundState | undefined): Promise<RefundStep> {
    if (!state) return { kind: 'retry-later', delayMs: this.d.settings.retryDelayMs };
    if (!state.found) {
      // Never reached WeChat Pay: sending it now cannot refund twice.
      if (r.status !== 'REFUND_UNKNOWN')
        return { kind: 'retry-later', delayMs: this.d.settings.retryDelayMs };
      const again = await this.d.ds.transaction((m) => this.d.refunds.transition(m, r, 'REFUND_REQUESTED'));
      return { kind: 'moved', refund: again };
    }
    switch (state.status) {
      case 'PROCESSING': {
        if (r.status === 'REFUND_PROCESSING') {
          return { kind: 'retry-later', delayMs: this.d.settings.awaitingPollMs };
        }
        const processing = await this.d.ds.transaction((m) =>
          this.d.refunds.transition(m, r, 'REFUND_PROCESSING', {
            wechatRefundId: state.refundId,
            nextCheckAt: new Date(Date.now() + this.d.settings.awaitingPollMs),
          }),
        );
        return { kind: 'moved', refund: processing };
      }
      case 'SUCCESS': {
        const channel = await this.d.ds.transaction((m) =>
          this.d.refunds.transition(m, r, 'REFUND_CHANNEL', { wechatRefundId: state.refundId }),
        );
        return { kind: 'moved', refund: channel };
      }
      case 'CLOSED':
      case 'ABNORMAL':
        return { kind: 'moved', refund: await failRefund(this.d, r, `WECHATPAY_${state.status}`) };
    }
  }

  private async creditCard(r: Refund): Promise<RefundStep> {
    const p = (await this.d.payments.find(this.d.ds, r.paymentId))!;
    let ack: ChannelAck;
    try {
      ack = await this.d.channel.refund({ refundId: r.id, hold: holdOf(p), amountMinor: r.amountMinor });
    } catch {
      ack = { outcome: 'UNKNOWN' };
    }
    this.d.metrics.counterpartyCalls.inc({ counterparty: 'unionpay', call: 'refund', outcome: ack.outcome });
    if (ack.outcome === 'DONE') return { kind: 'moved', refund: await settleRefund(this.d, r, ACTOR) };
    if (ack.outcome === 'DECLINED') {
      // WeChat Pay already refunded: the card must be credited. Kept here for an operator, asked again later.
      this.d.metrics.alerts.inc({ kind: 'channel_refund_declined' });
      this.d.logger.error(
        { refundId: r.id, responseCode: ack.responseCode },
        'the channel refused a refund credit',
      );
      return { kind: 'retry-later', delayMs: this.d.settings.retryDelayMs * 30 };
    }
    return { kind: 'retry-later', delayMs: this.d.settings.retryDelayMs };
  }

  private count(call: string, outcome: string): void {
    this.d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call, outcome });
  }
}
