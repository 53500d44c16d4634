import { type Payment, type PayerAction } from '../../../domain/payment';
import { type PaymentStatus } from '../../../domain/payment-status';
import { type PaymentChanges } from '../../../persistence/payment.repository';
import { CounterpartyRejectedError } from '../../../ports/port-errors';
import { type CreatedOrder, type OrderParams } from '../../../ports/wechatpay.port';
import { type LifecycleDeps } from '../lifecycle-deps';
import { type MoveOptions } from '../payment-writer';
import { moved, retryLater, type StepResult } from '../step-result';

const ACTOR = 'order-step';

/** WeChat Pay wants RFC 3339 with an offset; Beijing time as WeChat Pay itself writes it. */
export function rfc3339Beijing(instant: Date): string {
  const local = new Date(instant.getTime() + 8 * 3600_000).toISOString().slice(0, 19);
  return `${local}+08:00`;
}

export function orderParams(p: Payment): OrderParams {
  return {
    outTradeNo: p.outTradeNo,
    tradeType: p.tradeType,
    description: p.description,
    amountMinor: p.amountMinor,
    payerOpenid: p.payerOpenid,
    payerIp: p.payerIp,
    deviceId: p.deviceId,
    timeExpire: rfc3339Beijing(p.orderExpiresAt!),
    attach: p.id,
  };
}

/**
 * AUTHORIZED → ORDERING → AWAITING_PAYER | ORDER_UNKNOWN | REVERSING. The expiry is fixed when ORDERING is
 * written, so any later re-post carries identical parameters (WeChat Pay then answers the same order).
 */
export async function orderStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  if (p.cancelRequested) {
    return moved(await d.writer.move(p, 'REVERSING', { reversalReason: 'CANCELLED' }, { actor: ACTOR }));
  }
  const [to, changes, opts] = orderingMove(d);
  return placeOrder(d, await d.writer.move(p, to, changes, opts));
}

/** AUTHORIZED → ORDERING, fixing the order's expiry (second precision, as WeChat Pay keeps it). */
export function orderingMove(d: LifecycleDeps): [PaymentStatus, PaymentChanges, MoveOptions] {
  const expiresAt = new Date(Date.now() + d.settings.orderTtlSeconds * 1000);
  expiresAt.setMilliseconds(0);
  return ['ORDERING', { orderExpiresAt: expiresAt }, { actor: ACTOR }];
}

/** Sends (or re-sends, identical) the order and records the answer. */
export async function placeOrder(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  let created: CreatedOrder;
  try {
    created = await d.wechat.createOrder(orderParams(p));
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'create-order', outcome: 'ok' });
  } catch (e) {
    if (e instanceof CounterpartyRejectedError) {
      d.metrics.counterpartyCalls.inc({
        counterparty: 'wechatpay',
        call: 'create-order',
        outcome: 'rejected',
      });
      return moved(
        await d.writer.move(
          p,
          'REVERSING',
          {
            reversalReason: 'ORDER_REJECTED',
            failureCode: 'ORDER_REJECTED',
            failureMessage: 'WeChat Pay refused the order',
            failureReasons: [e.code],
          },
          { actor: ACTOR, reason: e.code },
        ),
      );
    }
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'create-order', outcome: 'unknown' });
    d.logger.warn(
      { paymentId: p.id, error: e instanceof Error ? e.name : 'unknown' },
      'order outcome unknown',
    );
    if (p.status === 'ORDER_UNKNOWN') return retryLater(d.settings.retryDelayMs, 'order still unknown');
    return moved(
      await d.writer.move(
        p,
        'ORDER_UNKNOWN',
        { nextCheckAt: new Date(Date.now() + d.settings.retryDelayMs) },
        { actor: ACTOR, reason: 'WECHATPAY_TIMEOUT' },
      ),
    );
  }
  return moved(await d.writer.move(p, 'AWAITING_PAYER', awaiting(d, p, created), { actor: ACTOR }));
}

function awaiting(d: LifecycleDeps, p: Payment, created: CreatedOrder): PaymentChanges {
  const action: PayerAction = { expiresAt: p.orderExpiresAt!.toISOString() };
  if (created.prepayId) {
    action.prepayId = created.prepayId;
    action.jsapi = d.wechat.jsapiPayParams(created.prepayId);
  }
  if (created.codeUrl) action.codeUrl = created.codeUrl;
  return { payerAction: action, nextCheckAt: new Date(Date.now() + d.settings.awaitingPollMs) };
}

/** ORDERING left behind by a crashed actor: the order may exist. */
export async function abandonedOrderStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  return moved(await d.writer.move(p, 'ORDER_UNKNOWN', {}, { actor: 'janitor', reason: 'ABANDONED' }));
}

/**
 * ORDER_UNKNOWN: WeChat Pay is asked first. Not there → it was never created, send it; unpaid → re-post the
 * identical order for a prepay id; paid → capture; closed or failed → release the hold.
 */
export async function resolveUnknownOrderStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  let state;
  try {
    state = await d.wechat.queryOrder(p.outTradeNo);
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'query-order', outcome: 'ok' });
  } catch {
    d.metrics.counterpartyCalls.inc({ counterparty: 'wechatpay', call: 'query-order', outcome: 'error' });
    return retryLater(d.settings.retryDelayMs, 'order query failed');
  }
  if (!state.found) {
    if (p.cancelRequested) {
      return moved(await d.writer.move(p, 'REVERSING', { reversalReason: 'CANCELLED' }, { actor: ACTOR }));
    }
    return placeOrder(d, p);
  }
  switch (state.tradeState) {
    case 'SUCCESS':
    case 'REFUND':
      return moved(
        await d.writer.move(
          p,
          'PAYER_PAID',
          { wechatTransactionId: state.transactionId ?? null },
          { actor: ACTOR },
        ),
      );
    case 'NOTPAY':
    case 'USERPAYING':
      if (p.cancelRequested) {
        return moved(await d.writer.move(p, 'CLOSING', { reversalReason: 'CANCELLED' }, { actor: ACTOR }));
      }
      return placeOrder(d, p);
    default:
      return moved(
        await d.writer.move(p, 'REVERSING', { reversalReason: state.tradeState }, { actor: ACTOR }),
      );
  }
}
