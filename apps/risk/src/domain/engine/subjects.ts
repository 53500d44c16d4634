import { type PaymentFact, type PaymentEventType } from '@wxpay/contracts';
import { toCnyFen, type FxRates } from './fx-rates';
import { resolvePoint } from './geo';
import { type Attempt, type RiskSubject } from './risk-subject';

export function subjectOfAttempt(a: Attempt, amountCny: number): RiskSubject {
  return {
    eventType: 'Attempt',
    cardToken: a.cardToken,
    amountMinor: a.amountMinor,
    currency: a.currency,
    amountCny,
    merchantId: a.merchantId,
    mcc: a.mcc,
    scene: a.scene,
    payerId: a.payerId,
    deviceId: a.deviceId,
    ip: a.ip,
    country: a.geo.country ?? '',
    city: a.geo.city ?? '',
    point: resolvePoint(a.geo),
    at: a.at,
  };
}

export class UnconvertibleAmountError extends Error {
  override readonly name = 'UnconvertibleAmountError';
}

/** A payment lifecycle fact as a subject; its event time is the envelope's occurredAt. */
export function subjectOfPayment(
  type: PaymentEventType,
  p: PaymentFact,
  at: number,
  fx: FxRates,
): RiskSubject {
  const amountCny = toCnyFen(p.amount.minor, p.amount.currency, fx);
  if (amountCny === undefined) {
    throw new UnconvertibleAmountError(`no rate for currency ${p.amount.currency}`);
  }
  const geo = p.geo ?? {};
  const point = geo.lat !== undefined && geo.lon !== undefined ? { lat: geo.lat, lon: geo.lon } : undefined;
  return {
    eventType: type,
    cardToken: p.cardToken,
    amountMinor: p.amount.minor,
    currency: p.amount.currency,
    amountCny,
    merchantId: p.merchantId,
    mcc: p.mcc ?? '',
    scene: p.scene ?? '',
    payerId: p.payerId ?? '',
    deviceId: p.deviceId ?? '',
    ip: p.ip ?? '',
    country: geo.country ?? '',
    city: geo.city ?? '',
    point: resolvePoint({ point, country: geo.country, city: geo.city }),
    at,
  };
}
