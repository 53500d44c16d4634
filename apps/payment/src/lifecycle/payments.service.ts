import { randomUUID } from 'crypto';
import { PaymentLifecycleEventTypes } from '@wxpay/contracts';
import { RpcError } from '@wxpay/grpc';
import { type EntityManager } from 'typeorm';
import { type Payment, type Scene, type TradeType } from '../domain/payment';
import { HOLD_STATUSES, REFUNDABLE_STATUSES } from '../domain/payment-status';
import { type DriveOutcome, type IdempotencyDeps, runIdempotent } from '../idempotency/idempotent-call';
import { type StoredAnswer } from '../idempotency/idempotency.repository';
import { refundReservePosting } from '../ledger/ledger-accounts';
import {
  decidedForCaller,
  errorAnswer,
  failedPrecondition,
  notFound,
  outcomeUnknown,
  Reasons,
  replay,
} from './caller-answers';
import { type LifecycleDeps } from './lifecycle-deps';
import { paymentFact, writeLifecycleEvent } from './lifecycle-events';
import { type PaymentDriver } from './payment-driver';
import { paymentMessage, refundMessage } from './payment-view';
import { type RefundDriver } from './refund-driver';

export interface CreatePaymentInput {
  idempotencyKey: string;
  cardToken: string;
  amountMinor: number;
  currency: string;
  merchantId: string;
  mcc: string;
  scene: Scene;
  tradeType: TradeType;
  payerOpenid: string | null;
  payerIp: string | null;
  deviceId: string | null;
  description: string;
  traceId: string;
}

export interface RefundInput {
  idempotencyKey: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
  reason: string | null;
}

export interface CancelInput {
  idempotencyKey: string;
  paymentId: string;
  reason: string | null;
}

/** States from which a cancel is still possible (nothing paid yet). */
const CANCELLABLE = [
  'CREATED',
  'RISK_APPROVED',
  'RISK_REVIEW',
  'AUTHORIZING',
  'AUTH_UNKNOWN',
  'AUTHORIZED',
  'ORDERING',
  'ORDER_UNKNOWN',
  'AWAITING_PAYER',
];

/**
 * The Payments use cases behind the gRPC handlers: each mutating call runs once per idempotency key, creates
 * its resource in the same transaction as the key, then drives it with the same drivers the janitor uses.
 */
export class PaymentsService {
  constructor(
    private readonly d: LifecycleDeps,
    private readonly idem: IdempotencyDeps,
    private readonly driver: PaymentDriver,
    private readonly refundDriver: RefundDriver,
  ) {}

  async create(input: CreatePaymentInput): Promise<Record<string, unknown>> {
    // The trace id differs per attempt: it is not part of what makes two requests the same.
    const { idempotencyKey, traceId: _traceId, ...params } = input;
    const answer = await runIdempotent(this.idem, {
      operation: 'CreatePayment',
      key: idempotencyKey,
      params,
      create: (m) => this.insertPayment(m, input),
      drive: async (paymentId) => {
        const p = await this.driver.advance(paymentId, 'request');
        if (!p || !decidedForCaller(p)) return { undecided: true };
        return { answer: { ok: { payment: await this.render(p) } } };
      },
    });
    return this.answered(answer);
  }

  async refund(input: RefundInput): Promise<Record<string, unknown>> {
    const { idempotencyKey, ...params } = input;
    const answer = await runIdempotent(this.idem, {
      operation: 'RefundPayment',
      key: idempotencyKey,
      params,
      create: (m) => this.insertRefund(m, input),
      drive: async (refundId) => {
        const r = await this.refundDriver.advance(refundId, 'request');
        const p = await this.d.payments.find(this.d.ds, input.paymentId);
        return { answer: { ok: { refund: refundMessage(r!), payment: await this.render(p!) } } };
      },
    });
    return this.answered(answer);
  }

  async cancel(input: CancelInput): Promise<Record<string, unknown>> {
    const { idempotencyKey, ...params } = input;
    const answer = await runIdempotent(this.idem, {
      operation: 'CancelPayment',
      key: idempotencyKey,
      params,
      create: (m) => this.requestCancel(m, input.paymentId),
      drive: (paymentId) => this.driveCancel(paymentId),
    });
    return this.answered(answer);
  }

  async get(by: { paymentId?: string; outTradeNo?: string }): Promise<Record<string, unknown>> {
    const p = by.paymentId
      ? await this.d.payments.find(this.d.ds, by.paymentId)
      : await this.d.payments.findByOutTradeNo(this.d.ds, by.outTradeNo ?? '');
    if (!p) throw notFound();
    return this.render(p);
  }

  async render(p: Payment): Promise<Record<string, unknown>> {
    return paymentMessage(p, await this.d.refunds.ofPayment(this.d.ds, p.id));
  }

  private answered(answer: StoredAnswer | 'undecided'): Record<string, unknown> {
    if (answer === 'undecided') throw outcomeUnknown();
    return replay(answer);
  }

  private async insertPayment(m: EntityManager, input: CreatePaymentInput): Promise<string> {
    const id = randomUUID();
    const p = await this.d.payments.insert(m, {
      id,
      outTradeNo: id.replace(/-/g, ''),
      cardToken: input.cardToken,
      amountMinor: input.amountMinor,
      currency: input.currency,
      merchantId: input.merchantId,
      mcc: input.mcc,
      scene: input.scene,
      tradeType: input.tradeType,
      description: input.description,
      payerOpenid: input.payerOpenid,
      payerIp: input.payerIp,
      deviceId: input.deviceId,
      traceId: input.traceId,
    });
    await writeLifecycleEvent(m, p, {
      type: PaymentLifecycleEventTypes.created,
      payload: { ...paymentFact(p), outTradeNo: p.outTradeNo },
    });
    return id;
  }

  /** Reserves the amount against what is captured and not yet refunded or being refunded. */
  private async insertRefund(m: EntityManager, input: RefundInput): Promise<string> {
    const p = await this.d.payments.lock(m, input.paymentId);
    if (!p) throw notFound();
    if (!REFUNDABLE_STATUSES.includes(p.status)) {
      throw failedPrecondition(Reasons.invalidState, `a ${p.status} payment cannot be refunded`);
    }
    if (input.currency !== p.currency) {
      throw RpcError.invalidArgument('amount.currency', `must be the payment's currency ${p.currency}`);
    }
    const available = p.capturedMinor - p.refundReservedMinor;
    if (input.amountMinor > available) {
      throw failedPrecondition(
        Reasons.refundExceeds,
        `refund of ${input.amountMinor} exceeds the ${available} still refundable`,
      );
    }
    const id = randomUUID();
    const refund = await this.d.refunds.insert(m, {
      id,
      paymentId: p.id,
      outRefundNo: `R${id.replace(/-/g, '')}`,
      amountMinor: input.amountMinor,
      currency: p.currency,
      reason: input.reason,
    });
    await this.d.writer.amendIn(
      m,
      p,
      { refundReservedMinor: p.refundReservedMinor + input.amountMinor },
      {
        postings: [refundReservePosting(p.id, refund.id, p, input.amountMinor)],
        event: {
          type: PaymentLifecycleEventTypes.refundRequested,
          payload: { ...paymentFact(p, input.amountMinor), refundId: refund.id },
        },
      },
    );
    return id;
  }

  private async requestCancel(m: EntityManager, paymentId: string): Promise<string> {
    const p = await this.d.payments.lock(m, paymentId);
    if (!p) throw notFound();
    if (p.status === 'CANCELLED' || p.cancelRequested) return p.id;
    if (!CANCELLABLE.includes(p.status)) {
      const paid = ['PAYER_PAID', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CAPTURE_FAILED'];
      throw paid.includes(p.status)
        ? failedPrecondition(Reasons.alreadyPaid, 'the payer has already paid; refund it instead')
        : failedPrecondition(Reasons.invalidState, `a ${p.status} payment cannot be cancelled`);
    }
    await this.d.payments.amend(m, p, { cancelRequested: true, nextCheckAt: new Date() });
    return p.id;
  }

  private async driveCancel(paymentId: string): Promise<DriveOutcome> {
    const p = (await this.driver.advance(paymentId, 'request'))!;
    if (['PAYER_PAID', 'CAPTURED', 'CAPTURE_FAILED'].includes(p.status)) {
      return {
        answer: errorAnswer(failedPrecondition(Reasons.alreadyPaid, 'the payer paid before the cancel')),
      };
    }
    if (p.status === 'CANCELLED' || p.status === 'FAILED' || p.status === 'REVERSED') {
      return { answer: { ok: await this.render(p) } };
    }
    // Still closing or releasing (a counterparty is slow): the cancel is recorded and finishes on its own.
    if (HOLD_STATUSES.includes(p.status) || p.status === 'AUTH_UNKNOWN') return { undecided: true };
    return { answer: { ok: await this.render(p) } };
  }
}
