import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  PaymentStatus,
  type GetPaymentRequest,
  type ListPaymentsRequest,
  type ListPaymentsResponse,
  type Payment as PaymentMessage,
} from '@wxpay/contracts';
import { PageTokens } from '@wxpay/grpc';
import { paymentView } from '../api/payment-views';
import { type Payment } from '../domain/payment';
import { type PaymentStatus as Status } from '../domain/payment-status';
import { notFound } from '../errors';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './lifecycle/lifecycle-deps';

const PAGE_LIMIT_DEFAULT = 50;

/** GetPayment and ListPayments (newest first, keyset pages bound to their filters), and the payment view. */
@Injectable()
export class PaymentQueryService {
  constructor(@Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps) {}

  async get(request: GetPaymentRequest): Promise<PaymentMessage> {
    if (!request.payment_id && !request.out_trade_no) {
      throw DomainError.invalid('payment_id', 'payment_id or out_trade_no is required');
    }
    const p = request.payment_id
      ? await this.d.payments.find(this.d.ds, request.payment_id)
      : await this.d.payments.findByOutTradeNo(this.d.ds, request.out_trade_no);
    if (!p) throw notFound();
    return this.render(p);
  }

  async list(request: ListPaymentsRequest): Promise<ListPaymentsResponse> {
    const limit = request.limit || PAGE_LIMIT_DEFAULT;
    const status =
      request.status === PaymentStatus.PAYMENT_STATUS_UNSPECIFIED ? undefined : (request.status as Status);
    const filters = {
      merchant_id: request.merchant_id,
      card_token: request.card_token,
      status: status ?? '',
    };
    const after = afterOf(PageTokens.decode(request.page_token, 2, filters));
    const page = await this.d.payments.list(this.d.ds, {
      merchantId: request.merchant_id || undefined,
      cardToken: request.card_token || undefined,
      status,
      before: after,
      limit: limit + 1,
    });
    const shown = page.slice(0, limit);
    const refunds = await this.d.refunds.ofPayments(
      this.d.ds,
      shown.map((p) => p.id),
    );
    const last = shown[shown.length - 1];
    return {
      payments: shown.map((p) => paymentView(p, refunds.get(p.id) ?? [])),
      next_page_token:
        page.length > limit && last
          ? PageTokens.encode([last.createdAt.toISOString(), last.id], filters)
          : '',
    };
  }

  async render(p: Payment): Promise<PaymentMessage> {
    // Refunds exist only for captured payments (a refund is refused before the capture): no query before that.
    if (p.capturedMinor === 0) return paymentView(p, []);
    return paymentView(p, await this.d.refunds.ofPayment(this.d.ds, p.id));
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The keyset position a token holds (the last payment shown), checked: its parts are not signed. */
function afterOf(values: string[] | undefined): { createdAt: Date; id: string } | undefined {
  if (!values) return undefined;
  const createdAt = new Date(values[0]!);
  if (Number.isNaN(createdAt.getTime()) || !UUID.test(values[1]!)) {
    throw DomainError.invalid('page_token', 'is not a token from a previous page');
  }
  return { createdAt, id: values[1]! };
}
