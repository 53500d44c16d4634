import { type Payment } from '../domain/payment';
import { type PaymentStatus, RESTING_STATUSES } from '../domain/payment-status';
import { type NewPayment, type PaymentChanges } from './payment.repository';
import { type ExtraWrites } from './sql-values';

/* What a write does to a payment before it is sent: the changes a move implies, and the insert of a new one. */

/**
 * The changes a move writes: the caller's, plus when the janitor should look next unless the caller said so. At
 * rest nothing is due; anything else is looked at again once the current actor's lease has passed (the janitor
 * only takes payments whose lease is free).
 */
export function effectiveChanges(to: PaymentStatus, changes: PaymentChanges): PaymentChanges {
  if ('nextCheckAt' in changes) return changes;
  return {
    ...changes,
    nextCheckAt: RESTING_STATUSES.includes(to) && to !== 'AWAITING_PAYER' ? null : new Date(),
  };
}

/** The payment as a write of `changes` moving it to `to` leaves it (what the guarded UPDATE will return). */
export function applyChanges(p: Payment, to: PaymentStatus, changes: PaymentChanges): Payment {
  const { nextCheckAt: _next, ...fields } = changes;
  const after: Payment = { ...p, status: to, version: p.version + 1 };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (after as unknown as Record<string, unknown>)[key] = value;
  }
  return after;
}

/** A driving lease written with a new payment, for the drive that follows (see PaymentDriver). */
export interface LeaseGrant {
  owner: string;
  ms: number;
}

/**
 * The insert of a CREATED payment as the CTE `created`, for a statement that also writes other things (the
 * idempotency key that names it, its event); only if the CTE `guard`, when given, returned a row. With `lease`,
 * the payment is born leased to the drive that follows (the janitor leaves it alone meanwhile).
 */
export function insertWrites(p: NewPayment, lease?: LeaseGrant): ExtraWrites {
  return (params, guard) => {
    params.push(
      p.id,
      p.outTradeNo,
      p.cardToken,
      String(p.amountMinor),
      p.currency,
      p.merchantId,
      p.mcc,
      p.scene,
      p.tradeType,
      p.description,
      p.payerOpenid,
      p.payerIp,
      p.deviceId,
      p.traceId,
      p.traceparent,
      lease?.owner ?? null,
      lease?.ms ?? null,
    );
    // INSERT … SELECT does not type its parameters from the target columns: each is cast.
    const types = ['uuid', 'text', 'text', 'bigint', ...Array<string>(12).fill('text')];
    const values = types.map((t, i) => `$${params.length - 16 + i}::${t}`);
    const leaseMs = `$${params.length}::integer`;
    return [
      `created AS (
         INSERT INTO payment (id, out_trade_no, card_token, amount_minor, currency, merchant_id, mcc, scene,
                              trade_type, description, payer_openid, payer_ip, device_id, trace_id, traceparent,
                              lease_owner, lease_until, status, next_check_at)
         SELECT ${values.join(', ')}, now() + (${leaseMs} * interval '1 millisecond'), 'CREATED', now()
         ${guard ? `FROM (SELECT 1 FROM ${guard} LIMIT 1) AS only_if` : ''}
         RETURNING *)`,
    ];
  };
}
