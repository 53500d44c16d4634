import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  PaymentLifecycleEventTypes,
  type RefundPaymentRequest,
  type RefundPaymentResponse,
} from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { type EntityManager } from 'typeorm';
import { refundView } from '../api/payment-views';
import { refundReservePosting } from '../domain/ledger-accounts';
import { REFUNDABLE_STATUSES } from '../domain/payment-status';
import { failedPrecondition, notFound, PaymentErrors } from '../errors';
import { IdempotentCalls } from './idempotent-call';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './lifecycle/lifecycle-deps';
import { paymentFact } from './lifecycle/lifecycle-events';
import { RefundDriver } from './lifecycle/refund-driver';
import { PaymentQueryService } from './payment-query.service';

/**
 * RefundPayment: once per idempotency key, the refund is created and its amount reserved against what is
 * captured and not yet refunded (in the transaction that claims the key), then driven: WeChat Pay first, the
 * card over UnionPay once WeChat Pay reports success. A refusal before anything changed keeps no key.
 */
@Injectable()
export class RefundPaymentService {
  constructor(
    @Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps,
    private readonly calls: IdempotentCalls,
    private readonly refundDriver: RefundDriver,
    private readonly query: PaymentQueryService,
  ) {}

  refund(request: RefundPaymentRequest, idempotency: IdempotentRequest): Promise<RefundPaymentResponse> {
    return this.calls.run<RefundPaymentResponse>({
      request: idempotency,
      create: (m, id) => this.insertRefund(m, id, request),
      drive: async (refundId) => {
        const r = await this.refundDriver.advance(refundId, 'request');
        const p = await this.d.payments.find(this.d.ds, request.payment_id);
        return { answer: { ok: { refund: refundView(r!), payment: await this.query.render(p!) } } };
      },
    });
  }

  /** Reserves the amount against what is captured and not yet refunded or being refunded. */
  private async insertRefund(m: EntityManager, id: string, request: RefundPaymentRequest): Promise<string> {
    const amountMinor = Number(request.amount!.amount_minor);
    const p = await this.d.payments.lock(m, request.payment_id);
    if (!p) throw notFound();
    if (!REFUNDABLE_STATUSES.includes(p.status)) {
      throw failedPrecondition(PaymentErrors.invalidState, `a ${p.status} payment cannot be refunded`);
    }
    if (request.amount!.currency !== p.currency) {
      throw DomainError.invalid('amount.currency', `must be the payment's currency ${p.currency}`);
    }
    const available = p.capturedMinor - p.refundReservedMinor;
    if (amountMinor > available) {
      throw failedPrecondition(
        PaymentErrors.refundExceeds,
        `refund of ${amountMinor} exceeds the ${available} still refundable`,
      );
    }
    const refund = await this.d.refunds.insert(m, {
      id,
      paymentId: p.id,
      outRefundNo: `R${id.replace(/-/g, '')}`,
      amountMinor,
      currency: p.currency,
      reason: request.reason || null,
    });
    await this.d.writer.amendIn(
      m,
      p,
      { refundReservedMinor: p.refundReservedMinor + amountMinor },
      {
        postings: [refundReservePosting(p.id, refund.id, p, amountMinor)],
        event: {
          type: PaymentLifecycleEventTypes.refundRequested,
          payload: { ...paymentFact(p, amountMinor), refundId: refund.id },
        },
      },
    );
    return id;
  }
}
