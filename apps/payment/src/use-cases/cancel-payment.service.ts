import { Inject, Injectable } from '@nestjs/common';
import { type CancelPaymentRequest, type Payment as PaymentMessage } from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { type EntityManager } from 'typeorm';
import { HOLD_STATUSES } from '../domain/payment-status';
import { errorAnswer, failedPrecondition, notFound, PaymentErrors } from '../errors';
import { IdempotentCalls, type DriveOutcome } from './idempotent-call';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './lifecycle/lifecycle-deps';
import { PaymentDriver } from './lifecycle/payment-driver';
import { PaymentQueryService } from './payment-query.service';

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

const PAID = ['PAYER_PAID', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CAPTURE_FAILED'];

/**
 * CancelPayment: once per idempotency key, the cancel is recorded on the payment, then the payment is driven to
 * rest (order closed, hold released). A payer who paid first wins: the cancel is refused with ALREADY_PAID, kept
 * as the key's answer.
 */
@Injectable()
export class CancelPaymentService {
  constructor(
    @Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps,
    private readonly calls: IdempotentCalls,
    private readonly driver: PaymentDriver,
    private readonly query: PaymentQueryService,
  ) {}

  cancel(request: CancelPaymentRequest, idempotency: IdempotentRequest): Promise<PaymentMessage> {
    return this.calls.run<PaymentMessage>({
      request: idempotency,
      create: (m) => this.requestCancel(m, request.payment_id),
      drive: (paymentId) => this.driveCancel(paymentId),
    });
  }

  private async requestCancel(m: EntityManager, paymentId: string): Promise<string> {
    const p = await this.d.payments.lock(m, paymentId);
    if (!p) throw notFound();
    if (p.status === 'CANCELLED' || p.cancelRequested) return p.id;
    if (!CANCELLABLE.includes(p.status)) {
      throw PAID.includes(p.status)
        ? failedPrecondition(PaymentErrors.alreadyPaid, 'the payer has already paid; refund it instead')
        : failedPrecondition(PaymentErrors.invalidState, `a ${p.status} payment cannot be cancelled`);
    }
    await this.d.payments.amend(m, p, { cancelRequested: true, nextCheckAt: new Date() });
    return p.id;
  }

  private async driveCancel(paymentId: string): Promise<DriveOutcome> {
    const p = (await this.driver.advance(paymentId, 'request'))!;
    if (['PAYER_PAID', 'CAPTURED', 'CAPTURE_FAILED'].includes(p.status)) {
      return {
        answer: errorAnswer(
          failedPrecondition(PaymentErrors.alreadyPaid, 'the payer paid before the cancel'),
        ),
      };
    }
    if (p.status === 'CANCELLED' || p.status === 'FAILED' || p.status === 'REVERSED') {
      return { answer: { ok: await this.query.render(p) } };
    }
    // Still closing or releasing (a counterparty is slow): the cancel is recorded and finishes on its own.
    if (HOLD_STATUSES.includes(p.status) || p.status === 'AUTH_UNKNOWN') return { undecided: true };
    return { answer: { ok: await this.query.render(p) } };
  }
}
