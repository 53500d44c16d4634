import { PaymentLifecycleEventTypes } from '@wxpay/contracts';
import { RpcError } from '@wxpay/grpc';
import { outboxInsertSql } from '@wxpay/messaging';
import { type EntityManager } from 'typeorm';
import { type Payment, type Scene, type TradeType } from '../domain/payment';
import { HOLD_STATUSES, REFUNDABLE_STATUSES } from '../domain/payment-status';
import { type DriveOutcome, type IdempotencyDeps, runIdempotent } from './idempotent-call';
import { type StoredAnswer } from '../idempotency/idempotency.repository';
import { refundReservePosting } from '../domain/ledger-accounts';
import { rowToPayment } from '../persistence/payment.repository';
import { insertWrites } from '../persistence/payment-writes';
import { type ExtraWrites } from '../persistence/sql-values';
import {
  decidedForCaller,
  errorAnswer,
  failedPrecondition,
  notFound,
  outcomeUnknown,
  Reasons,
  replay,
} from '../errors';
import { type LifecycleDeps } from './lifecycle/lifecycle-deps';
import { lifecycleRecord, paymentFact } from './lifecycle/lifecycle-events';
import { type PaymentDriver } from './lifecycle/payment-driver';
import { paymentMessage, refundMessage } from '../api/payment-views';
import { type RefundDriver } from './lifecycle/refund-driver';

export interface CreatePaymentInput {
  /** Who calls (its mTLS identity): the scope of its idempotency keys. */
  caller: string;
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
  /** Who calls (its mTLS identity): the scope of its idempotency keys. */
  caller: string;
  idempotencyKey: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
  reason: string | null;
}

export interface CancelInput {
  /** Who calls (its mTLS identity): the scope of its idempotency keys. */
  caller: string;
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
    const { caller, idempotencyKey, traceId: _traceId, ...params } = input;
    const owner = this.driver.leaseOwner();
    const answer = await runIdempotent(this.idem, {
      caller,
      operation: 'CreatePayment',
      key: idempotencyKey,
      params,
      insert: (id) => ({ writes: this.paymentWrites(id, input, owner), returning: 'created' }),
      create: async (m, id) => {
        await m.query(...this.paymentStatement(id, input, owner));
        return id;
      },
      drive: async (paymentId, created) => {
        // Created by this call: born leased to this drive, which starts without taking the lease again.
        const held = created && {
          owner,
          payment: created.row && rowToPayment(created.row),
          since: Date.now(),
        };
        const p = await this.driver.advance(paymentId, 'request', held);
        if (!p || !decidedForCaller(p)) return { undecided: true };
        return { answer: { ok: { payment: await this.render(p) } } };
      },
    });
    return this.answered(answer);
  }

  async refund(input: RefundInput): Promise<Record<string, unknown>> {
    const { caller, idempotencyKey, ...params } = input;
    const answer = await runIdempotent(this.idem, {
      caller,
      operation: 'RefundPayment',
      key: idempotencyKey,
      params,
      create: (m, id) => this.insertRefund(m, id, input),
      drive: async (refundId) => {
        const r = await this.refundDriver.advance(refundId, 'request');
        const p = await this.d.payments.find(this.d.ds, input.paymentId);
        return { answer: { ok: { refund: refundMessage(r!), payment: await this.render(p!) } } };
      },
    });
    return this.answered(answer);
  }

  async cancel(input: CancelInput): Promise<Record<string, unknown>> {
    const { caller, idempotencyKey, ...params } = input;
    const answer = await runIdempotent(this.idem, {
      caller,
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
    // Refunds exist only for captured payments (a refund is refused before the capture): no query before that.
    if (p.capturedMinor === 0) return paymentMessage(p, []);
    return paymentMessage(p, await this.d.refunds.ofPayment(this.d.ds, p.id));
  }

  private answered(answer: StoredAnswer | 'undecided'): Record<string, unknown> {
    if (answer === 'undecided') throw outcomeUnknown();
    return replay(answer);
  }

  /**
   * The payment and its PaymentCreated event as writes of the statement that claims the key (CTE `created`),
   * leased to this request's drive: the janitor leaves it alone unless the request dies.
   */
  private paymentWrites(id: string, input: CreatePaymentInput, owner: string): ExtraWrites {
    const p = {
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
    };
    const created = lifecycleRecord(p, {
      type: PaymentLifecycleEventTypes.created,
      payload: { ...paymentFact(p), outTradeNo: p.outTradeNo },
    });
    const insert = insertWrites(p, { owner, ms: this.d.settings.leaseMs });
    return (params, guard) => [
      ...insert(params, guard),
      `events AS (${outboxInsertSql([created], params, 'created')})`,
    ];
  }

  /** The same writes on their own (the key was claimed in a transaction): `[sql, params]`. */
  private paymentStatement(id: string, input: CreatePaymentInput, owner: string): [string, unknown[]] {
    const params: unknown[] = [];
    const ctes = this.paymentWrites(id, input, owner)(params);
    return [`WITH ${ctes.join(', ')} SELECT id FROM created`, params];
  }

  /** Reserves the amount against what is captured and not yet refunded or being refunded. */
  private async insertRefund(m: EntityManager, id: string, input: RefundInput): Promise<string> {
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
