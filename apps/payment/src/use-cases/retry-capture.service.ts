import { Inject, Injectable } from '@nestjs/common';
import { type Payment as PaymentMessage, type RetryCaptureRequest } from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { type EntityManager } from 'typeorm';
import { failedPrecondition, notFound, PaymentErrors } from '../errors';
import { IdempotentCalls, type DriveOutcome } from './idempotent-call';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './lifecycle/lifecycle-deps';
import { PaymentDriver } from './lifecycle/payment-driver';
import { PaymentQueryService } from './payment-query.service';

/**
 * RetryCapture, an operator's path out of CAPTURE_FAILED (the payer paid, the channel refused to complete the
 * hold): once per idempotency key, the payment goes back to PAYER_PAID with the operator and the reason in its
 * history, then it is driven as any paid payment is (the completion is idempotent per payment at the channel). The
 * answer is what that attempt gave: CAPTURED, or CAPTURE_FAILED again with the channel's new response code.
 */
@Injectable()
export class RetryCaptureService {
  constructor(
    @Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps,
    private readonly calls: IdempotentCalls,
    private readonly driver: PaymentDriver,
    private readonly query: PaymentQueryService,
  ) {}

  retry(request: RetryCaptureRequest, idempotency: IdempotentRequest): Promise<PaymentMessage> {
    return this.calls.run<PaymentMessage>({
      request: idempotency,
      create: (m) => this.reopen(m, request),
      drive: (paymentId) => this.capture(paymentId),
    });
  }

  private async reopen(m: EntityManager, request: RetryCaptureRequest): Promise<string> {
    const p = await this.d.payments.lock(m, request.payment_id);
    if (!p) throw notFound();
    if (p.status !== 'CAPTURE_FAILED') {
      throw failedPrecondition(
        PaymentErrors.invalidState,
        `a ${p.status} payment has no refused capture to retry`,
      );
    }
    await this.d.writer.moveIn(
      m,
      p,
      'PAYER_PAID',
      { failureCode: null, failureMessage: null, failureReasons: [] },
      { actor: `operator:${request.operator}`, reason: request.reason },
    );
    this.d.logger.info(
      { paymentId: p.id, operator: request.operator },
      'an operator retries a refused capture',
    );
    return p.id;
  }

  private async capture(paymentId: string): Promise<DriveOutcome> {
    const p = (await this.driver.advance(paymentId, 'request'))!;
    // Still PAYER_PAID: the channel did not answer (or another actor holds the payment); it is captured in the
    // background and the caller retries the same call to learn how.
    if (p.status === 'PAYER_PAID') return { undecided: true };
    return { answer: { ok: await this.query.render(p) } };
  }
}
