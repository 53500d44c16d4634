import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  PaymentLifecycleEventTypes,
  TradeType,
  type CreatePaymentRequest,
  type CreatePaymentResponse,
} from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { outboxInsertSql } from '@wxpay/messaging';
import { currentTraceparent } from '@wxpay/observability';
import { type ClaimWrites } from '@wxpay/persistence';
import { type Scene, type TradeType as DomainTradeType } from '../domain/payment';
import { decidedForCaller } from '../domain/payment-status';
import { rowToPayment, type NewPayment } from '../persistence/payment.repository';
import { insertWrites } from '../persistence/payment-writes';
import { IdempotentCalls } from './idempotent-call';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './lifecycle/lifecycle-deps';
import { lifecycleRecord, paymentFact } from './lifecycle/lifecycle-events';
import { PaymentDriver } from './lifecycle/payment-driver';
import { PaymentQueryService } from './payment-query.service';

/**
 * CreatePayment: once per idempotency key, the payment and its PaymentCreated event are written in the
 * statement that claims the key, leased to this call's drive; then the payment is driven (risk, hold, order) as
 * far as it goes without the payer, with the same driver the janitor uses. The answer is kept with the key.
 */
@Injectable()
export class CreatePaymentService {
  constructor(
    @Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps,
    private readonly calls: IdempotentCalls,
    private readonly driver: PaymentDriver,
    private readonly query: PaymentQueryService,
  ) {}

  async create(
    request: CreatePaymentRequest,
    idempotency: IdempotentRequest,
    traceId: string,
  ): Promise<CreatePaymentResponse> {
    const payment = newPayment(request, traceId);
    const owner = this.driver.leaseOwner();
    const lease = { owner, ms: this.d.settings.leaseMs };
    return this.calls.run<CreatePaymentResponse>({
      request: idempotency,
      insert: (id) => ({
        writes: this.writes({ ...payment, id, outTradeNo: outTradeNoOf(id) }, lease),
        returning: 'created',
      }),
      create: async (m, id) => {
        const p = { ...payment, id, outTradeNo: outTradeNoOf(id) };
        await this.d.payments.insert(m, p, { lease, extra: this.eventWrites(p) });
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
        if (!p || !decidedForCaller(p.status)) return { undecided: true };
        return { answer: { ok: { payment: await this.query.render(p) } } };
      },
    });
  }

  /**
   * The payment and its PaymentCreated event as writes of the statement that claims the key (CTE `created`),
   * leased to this request's drive: the janitor leaves it alone unless the request dies.
   */
  private writes(p: NewPayment, lease: { owner: string; ms: number }): ClaimWrites {
    const insert = insertWrites(p, lease);
    const events = this.eventWrites(p);
    return (params, guard) => [...insert(params, guard), ...events(params, 'created')];
  }

  private eventWrites(p: NewPayment) {
    const created = lifecycleRecord(p, {
      type: PaymentLifecycleEventTypes.created,
      payload: { ...paymentFact(p), outTradeNo: p.outTradeNo },
    });
    return (params: unknown[], guard?: string) => [
      `events AS (${outboxInsertSql([created], params, guard)})`,
    ];
  }
}

function outTradeNoOf(paymentId: string): string {
  return paymentId.replace(/-/g, '');
}

/** The payment a valid request asks for (its id comes with the key's claim); JSAPI needs the payer's openid. */
function newPayment(r: CreatePaymentRequest, traceId: string): Omit<NewPayment, 'id' | 'outTradeNo'> {
  const openid = r.payer?.openid ?? '';
  if (r.trade_type === TradeType.JSAPI && !openid) {
    throw DomainError.invalid('payer.openid', 'is required for JSAPI');
  }
  return {
    cardToken: r.card_token,
    amountMinor: Number(r.amount!.amount_minor),
    currency: r.amount!.currency,
    merchantId: r.merchant_id,
    mcc: r.mcc,
    scene: r.scene as Scene,
    tradeType: r.trade_type as DomainTradeType,
    description: r.description,
    payerOpenid: openid || null,
    payerIp: r.payer?.ip || null,
    deviceId: r.device?.device_id || null,
    traceId,
    traceparent: currentTraceparent(),
  };
}
