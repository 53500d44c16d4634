import { randomUUID } from 'crypto';
import { type CardSecret } from '@wxpay/card';
import { type JsapiPayParams } from '../../src/domain/payment';
import {
  type AuthorizeRequest,
  type AuthorizeResult,
  type ChannelAck,
  type ChannelPort,
  type ChannelRefundRequest,
  type HoldRef,
  type ReverseResult,
  type SettlementLine,
} from '../../src/ports/channel.port';
import {
  CounterpartyRejectedError,
  CounterpartyUnavailableError,
  OutcomeUnknownError,
} from '../../src/ports/port-errors';
import { type RiskPort, type RiskRequest, type RiskVerdict } from '../../src/ports/risk.port';
import { CardUnavailableError, type VaultPort } from '../../src/ports/vault.port';
import {
  type CreatedOrder,
  type OrderParams,
  type OrderState,
  type RefundParams,
  type RefundState,
  type TradeState,
  type WechatPayPort,
} from '../../src/ports/wechatpay.port';
import { businessDateOf } from '../../src/domain/ledger-accounts';
import { type TradeBillLine, type TradeBillSource } from '../../src/ports/trade-bill.port';

/** In-memory stand-ins for the counterparties, with knobs for the faults the lifecycle must survive. */

export class FakeRisk implements RiskPort {
  calls: RiskRequest[] = [];
  decide: (r: RiskRequest) => RiskVerdict['decision'] | 'unavailable' = () => 'APPROVE';
  delayMs = 0;

  async evaluate(r: RiskRequest): Promise<RiskVerdict> {
    this.calls.push(r);
    if (this.delayMs) await new Promise((res) => setTimeout(res, this.delayMs));
    const d = this.decide(r);
    if (d === 'unavailable') throw new CounterpartyUnavailableError('risk', 'down');
    return {
      decisionId: randomUUID(),
      decision: d,
      score: d === 'REJECT' ? 90 : 10,
      reasons: d === 'APPROVE' ? [] : ['VELOCITY_CARD_1H'],
      ruleSetVersion: 'test@1',
    };
  }
}

export const TEST_PAN = '6222021234567890128';

export class FakeVault implements VaultPort {
  calls = 0;
  unavailable = false;
  readonly cards = new Map<string, CardSecret>();

  async detokenize(token: string): Promise<CardSecret> {
    this.calls++;
    if (this.unavailable) throw new CounterpartyUnavailableError('vault', 'down');
    const card = this.cards.get(token);
    if (!card) throw new CardUnavailableError('NOT_FOUND');
    return card;
  }
}

type AuthBehaviour = 'approve' | 'decline' | 'lose-answer' | 'unavailable';
type AckBehaviour = 'ok' | 'lose-answer' | 'decline' | 'hang' | 'slow';

interface Hold {
  amountMinor: number;
  currency: string;
  state: 'held' | 'completed' | 'released';
  /** Applied completions (more than one would be a double charge). */
  completions: number;
  reversals: number;
  capturedOn?: string;
}

/** The card network: holds by auth id, each message applied once per id, reversals stored and forwarded. */
export class FakeChannel implements ChannelPort {
  readonly holds = new Map<string, Hold>();
  readonly refunds = new Map<string, { amountMinor: number; authId: string; applied: number; on: string }>();
  authorizeCalls = 0;
  completeCalls = 0;
  reverseCalls = 0;
  authBehaviour: AuthBehaviour[] = [];
  completeBehaviour: AckBehaviour[] = [];
  /** Reversal attempts answered PENDING before one is acknowledged. */
  pendingReversals = 0;
  /** Planted settlement breaks: auth id → amount to report instead, or null to leave the line out. */
  readonly settlementOverrides = new Map<string, number | null>();

  /** Auth ids of every authorisation that reached the channel (an UNAVAILABLE one did not). */
  readonly sentAuthorizations = new Set<string>();

  async authorizationSent(authId: string): Promise<boolean> {
    return this.sentAuthorizations.has(authId);
  }

  async authorize(r: AuthorizeRequest): Promise<AuthorizeResult> {
    this.authorizeCalls++;
    const b = this.authBehaviour.shift() ?? 'approve';
    if (b === 'unavailable') return { outcome: 'UNAVAILABLE' };
    this.sentAuthorizations.add(r.authId);
    if (b === 'decline') return { outcome: 'DECLINED', responseCode: '51' };
    this.holds.set(r.authId, {
      amountMinor: r.amountMinor,
      currency: r.currency,
      state: 'held',
      completions: 0,
      reversals: 0,
    });
    if (b === 'lose-answer') return { outcome: 'UNKNOWN' };
    return { outcome: 'APPROVED', authCode: '123456', channelRef: `ref-${r.authId}` };
  }

  async complete(h: HoldRef): Promise<ChannelAck> {
    this.completeCalls++;
    const b = this.completeBehaviour.shift() ?? 'ok';
    if (b === 'hang') return new Promise<ChannelAck>(() => undefined);
    if (b === 'slow') await new Promise((r) => setTimeout(r, 1000));
    const hold = this.holds.get(h.authId);
    if (!hold || hold.state === 'released') return { outcome: 'DECLINED', responseCode: '25' };
    if (b === 'decline') return { outcome: 'DECLINED', responseCode: '05' };
    if (hold.state === 'held') {
      hold.state = 'completed';
      hold.completions++;
      hold.capturedOn = businessDateOf(new Date());
    }
    return b === 'lose-answer' ? { outcome: 'UNKNOWN' } : { outcome: 'DONE' };
  }

  async reverse(h: HoldRef): Promise<ReverseResult> {
    this.reverseCalls++;
    if (this.pendingReversals > 0) {
      this.pendingReversals--;
      return { outcome: 'PENDING' };
    }
    const hold = this.holds.get(h.authId);
    if (hold && hold.state === 'held') {
      hold.state = 'released';
      hold.reversals++;
    }
    return { outcome: 'ACKNOWLEDGED' };
  }

  async refund(r: ChannelRefundRequest): Promise<ChannelAck> {
    const existing = this.refunds.get(r.refundId);
    if (existing) return { outcome: 'DONE' };
    this.refunds.set(r.refundId, {
      amountMinor: r.amountMinor,
      authId: r.hold.authId,
      applied: 1,
      on: businessDateOf(new Date()),
    });
    return { outcome: 'DONE' };
  }

  async settlementFile(businessDate: string): Promise<SettlementLine[]> {
    const lines: SettlementLine[] = [];
    for (const [authId, h] of this.holds) {
      if (h.state !== 'completed' || h.capturedOn !== businessDate) continue;
      const override = this.settlementOverrides.get(authId);
      if (override === null) continue;
      lines.push({
        kind: 'CAPTURE',
        authId,
        reference: authId,
        amountMinor: override ?? h.amountMinor,
        currency: h.currency,
        settledAt: businessDate,
      });
    }
    for (const [refundId, r] of this.refunds) {
      if (r.on !== businessDate) continue;
      lines.push({
        kind: 'REFUND',
        authId: r.authId,
        reference: refundId,
        amountMinor: r.amountMinor,
        currency: 'CNY',
        settledAt: businessDate,
      });
    }
    return lines;
  }
}

type CreateBehaviour = 'ok' | 'reject' | 'lose-answer-created' | 'lose-answer-not-created';

interface Order {
  params: OrderParams;
  state: TradeState;
  transactionId?: string;
  prepays: number;
}

/** WeChat Pay's orders and refunds, keyed by our numbers like the real thing. */
export class FakeWechat implements WechatPayPort, TradeBillSource {
  readonly orders = new Map<string, Order>();
  readonly refundsByNo = new Map<
    string,
    { status: 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL'; amountMinor: number; refundId: string }
  >();
  createCalls = 0;
  closeCalls = 0;
  createBehaviour: CreateBehaviour[] = [];
  queryUnavailable = false;
  refundBehaviour: ('ok' | 'lose-answer')[] = [];

  async createOrder(p: OrderParams): Promise<CreatedOrder> {
    this.createCalls++;
    const b = this.createBehaviour.shift() ?? 'ok';
    if (b === 'reject') throw new CounterpartyRejectedError('wechatpay', 'PARAM_ERROR', 'bad');
    if (b === 'lose-answer-not-created') throw new OutcomeUnknownError('wechatpay', 'timeout');
    const existing = this.orders.get(p.outTradeNo);
    if (existing) {
      if (JSON.stringify(existing.params) !== JSON.stringify(p)) {
        throw new CounterpartyRejectedError('wechatpay', 'INVALID_REQUEST', 'parameters differ');
      }
      existing.prepays++;
    } else {
      this.orders.set(p.outTradeNo, { params: p, state: 'NOTPAY', prepays: 1 });
    }
    if (b === 'lose-answer-created') throw new OutcomeUnknownError('wechatpay', 'timeout');
    return p.tradeType === 'JSAPI'
      ? { prepayId: `wx${randomUUID().slice(0, 8)}` }
      : { codeUrl: 'weixin://wxpay/bizpayurl?pr=x' };
  }

  jsapiPayParams(prepayId: string): JsapiPayParams {
    return {
      appId: 'wx8888888888888888',
      timeStamp: '1',
      nonceStr: 'n',
      package: `prepay_id=${prepayId}`,
      signType: 'RSA',
      paySign: 'sig',
    };
  }

  async queryOrder(outTradeNo: string): Promise<OrderState> {
    if (this.queryUnavailable) throw new CounterpartyUnavailableError('wechatpay', 'down');
    const o = this.orders.get(outTradeNo);
    if (!o) return { found: false };
    return {
      found: true,
      tradeState: o.state,
      transactionId: o.transactionId,
      totalMinor: o.params.amountMinor,
    };
  }

  async closeOrder(outTradeNo: string): Promise<'CLOSED' | 'ALREADY_PAID'> {
    this.closeCalls++;
    const o = this.orders.get(outTradeNo);
    if (!o) return 'CLOSED';
    if (o.state === 'SUCCESS' || o.state === 'REFUND') return 'ALREADY_PAID';
    o.state = 'CLOSED';
    return 'CLOSED';
  }

  /** The payer pays: SUCCESS with a transaction id. */
  pay(outTradeNo: string): string {
    const o = this.orders.get(outTradeNo)!;
    o.state = 'SUCCESS';
    o.transactionId = `4200${Date.now()}`;
    return o.transactionId;
  }

  async createRefund(r: RefundParams): Promise<RefundState & { found: true }> {
    const b = this.refundBehaviour.shift() ?? 'ok';
    let refund = this.refundsByNo.get(r.outRefundNo);
    if (!refund) {
      refund = {
        status: 'PROCESSING',
        amountMinor: r.amountMinor,
        refundId: `5030${randomUUID().slice(0, 8)}`,
      };
      this.refundsByNo.set(r.outRefundNo, refund);
      const o = this.orders.get(r.outTradeNo);
      if (o) o.state = 'REFUND';
    }
    if (b === 'lose-answer') throw new OutcomeUnknownError('wechatpay', 'timeout');
    return { found: true, status: refund.status, refundId: refund.refundId, amountMinor: refund.amountMinor };
  }

  async queryRefund(outRefundNo: string): Promise<RefundState> {
    const r = this.refundsByNo.get(outRefundNo);
    return r
      ? { found: true, status: r.status, refundId: r.refundId, amountMinor: r.amountMinor }
      : { found: false };
  }

  async lines(
    _date: string,
    known: { orders: string[]; refunds: { outTradeNo: string; outRefundNo: string }[] },
  ): Promise<TradeBillLine[]> {
    const out: TradeBillLine[] = [];
    for (const no of known.orders) {
      const o = this.orders.get(no);
      if (o)
        out.push({
          kind: 'PAYMENT',
          outTradeNo: no,
          reference: no,
          state: o.state,
          amountMinor: o.params.amountMinor,
        });
    }
    for (const { outTradeNo, outRefundNo } of known.refunds) {
      const r = this.refundsByNo.get(outRefundNo);
      if (r)
        out.push({
          kind: 'REFUND',
          outTradeNo,
          reference: outRefundNo,
          state: r.status,
          amountMinor: r.amountMinor,
        });
    }
    return out;
  }
}
