import { type CardSecret } from '@wxpay/card';
import { type Payment } from '../../../domain/payment';
import { type AuthorizeResult } from '../../../ports/channel.port';
import { CounterpartyUnavailableError } from '../../../ports/port-errors';
import { CardUnavailableError } from '../../../ports/vault.port';
import { type PaymentStatus } from '../../../domain/payment-status';
import { type PaymentChanges } from '../../../persistence/payment.repository';
import { type LifecycleDeps } from '../lifecycle-deps';
import { type MoveOptions } from '../payment-writer';
import { moved, retryLater, type StepResult } from '../step-result';
import { holdOf } from './hold-of';
import { orderingMove, placeOrder } from './order.step';

const ACTOR = 'authorize-step';

/**
 * RISK_APPROVED | RISK_REVIEW → AUTHORIZING → AUTHORIZED | FAILED | AUTH_UNKNOWN. The card is detokenized first
 * (a vault failure fails the payment before anything is held); AUTHORIZING is written before the hold is sent, so
 * a crash during the call leaves a trace that the janitor resolves (abandonedAuthorizationStep).
 */
export async function authorizeStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  if (p.cancelRequested) {
    return moved(await d.writer.move(p, 'CANCELLED', { reversalReason: 'CANCELLED' }, { actor: ACTOR }));
  }
  return authorizeAfter(d, p);
}

type Move = [PaymentStatus, PaymentChanges, MoveOptions];

/** The authorisation, with the risk decision's transition (when given) committed in the same transaction. */
export async function authorizeAfter(d: LifecycleDeps, p: Payment, decision?: Move): Promise<StepResult> {
  const first = decision ? [decision] : [];
  const card = await detokenized(d, p);
  if ('failed' in card) return moved(await d.writer.moveAll(p, [...first, card.failed]));
  const authorizing = await d.writer.moveAll(p, [...first, ['AUTHORIZING', {}, { actor: ACTOR }]]);
  return sendAuthorization(d, authorizing, card.card);
}

/** The card from the vault, or the move that fails the payment when the vault cannot give it (nothing held yet). */
async function detokenized(d: LifecycleDeps, p: Payment): Promise<{ card: CardSecret } | { failed: Move }> {
  try {
    const card = await d.vault.detokenize(p.cardToken, 'authorization');
    d.metrics.counterpartyCalls.inc({ counterparty: 'vault', call: 'detokenize', outcome: 'ok' });
    return { card };
  } catch (e) {
    const code =
      e instanceof CardUnavailableError
        ? 'CARD_UNAVAILABLE'
        : e instanceof CounterpartyUnavailableError
          ? 'VAULT_UNAVAILABLE'
          : undefined;
    if (!code) throw e;
    d.metrics.counterpartyCalls.inc({ counterparty: 'vault', call: 'detokenize', outcome: code });
    const reasons = e instanceof CardUnavailableError ? [e.reason] : [];
    return {
      failed: [
        'FAILED',
        { failureCode: code, failureMessage: 'the card cannot be used now', failureReasons: reasons },
        { actor: ACTOR, reason: code },
      ],
    };
  }
}

/** Sends the hold of a payment in AUTHORIZING and records the answer. */
async function sendAuthorization(
  d: LifecycleDeps,
  authorizing: Payment,
  card: CardSecret,
): Promise<StepResult> {
  const p = authorizing;
  let result: AuthorizeResult;
  try {
    result = await d.channel.authorize({
      authId: p.id,
      card,
      amountMinor: p.amountMinor,
      currency: p.currency,
      merchantId: p.merchantId,
      mcc: p.mcc,
    });
  } catch (e) {
    // Whatever went wrong after the request may have left, the hold's existence is unknown.
    d.logger.warn(
      { paymentId: p.id, error: e instanceof Error ? e.name : 'unknown' },
      'authorisation failed',
    );
    result = { outcome: 'UNKNOWN' };
  }
  d.metrics.counterpartyCalls.inc({ counterparty: 'unionpay', call: 'authorize', outcome: result.outcome });
  if (result.outcome === 'APPROVED') {
    const approved: Move = [
      'AUTHORIZED',
      { authCode: result.authCode, channelRef: result.channelRef },
      { actor: ACTOR },
    ];
    // Straight on to the order, in the same commit as the approval (unless a cancel came in meanwhile).
    if (authorizing.cancelRequested) return moved(await d.writer.moveAll(authorizing, [approved]));
    return placeOrder(d, await d.writer.moveAll(authorizing, [approved, orderingMove(d)]));
  }
  return moved(await recordAuthorization(d, authorizing, result));
}

async function recordAuthorization(d: LifecycleDeps, p: Payment, result: AuthorizeResult): Promise<Payment> {
  switch (result.outcome) {
    case 'APPROVED':
      return d.writer.move(
        p,
        'AUTHORIZED',
        { authCode: result.authCode, channelRef: result.channelRef },
        { actor: ACTOR },
      );
    case 'DECLINED':
      return d.writer.move(
        p,
        'FAILED',
        {
          failureCode: 'ISSUER_DECLINED',
          failureMessage: 'declined by the issuer',
          failureReasons: [result.responseCode],
        },
        { actor: ACTOR, reason: result.responseCode },
      );
    case 'UNAVAILABLE':
      return d.writer.move(
        p,
        'FAILED',
        { failureCode: 'CHANNEL_UNAVAILABLE', failureMessage: 'the card network is not reachable' },
        { actor: ACTOR, reason: 'CHANNEL_UNAVAILABLE' },
      );
    case 'UNKNOWN':
      return d.writer.move(
        p,
        'AUTH_UNKNOWN',
        { failureCode: 'CHANNEL_TIMEOUT', failureMessage: 'the card network did not answer in time' },
        { actor: ACTOR, reason: 'CHANNEL_TIMEOUT' },
      );
  }
}

/**
 * AUTHORIZING left behind by a crashed actor. If the hold may have reached the channel, its outcome is unknown and
 * it is reversed (AUTH_UNKNOWN). If it never left (the actor died between writing AUTHORIZING and logging the
 * request), nothing is held and nobody declined it: it is sent now, as the request would have (issue #16 item 1),
 * unless the payment was cancelled meanwhile.
 */
export async function abandonedAuthorizationStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  if (await d.channel.authorizationSent(p.id)) {
    return moved(
      await d.writer.move(
        p,
        'AUTH_UNKNOWN',
        { failureCode: 'CHANNEL_TIMEOUT', failureMessage: 'the authorisation outcome was lost' },
        { actor: 'janitor', reason: 'ABANDONED' },
      ),
    );
  }
  if (p.cancelRequested) {
    return moved(
      await d.writer.move(
        p,
        'FAILED',
        { failureCode: 'CANCELLED', failureMessage: 'cancelled before the card was authorised' },
        { actor: 'janitor', reason: 'CANCELLED_BEFORE_AUTHORIZATION' },
      ),
    );
  }
  const card = await detokenized(d, p);
  if ('failed' in card) return moved(await d.writer.moveAll(p, [card.failed]));
  return sendAuthorization(d, p, card.card);
}

/**
 * AUTH_UNKNOWN → FAILED once the channel acknowledges the reversal (stored and forwarded until it does). The
 * authorisation is never sent again: that could hold the card twice.
 */
export async function reverseUnknownAuthorizationStep(d: LifecycleDeps, p: Payment): Promise<StepResult> {
  const r = await safeReverse(d, p);
  if (r !== 'ACKNOWLEDGED') return retryLater(d.settings.retryDelayMs, 'reversal not acknowledged yet');
  return moved(await d.writer.move(p, 'FAILED', {}, { actor: ACTOR, reason: 'REVERSED_UNKNOWN_AUTH' }));
}

export async function safeReverse(d: LifecycleDeps, p: Payment): Promise<'ACKNOWLEDGED' | 'PENDING'> {
  try {
    const r = await d.channel.reverse(holdOf(p));
    d.metrics.counterpartyCalls.inc({ counterparty: 'unionpay', call: 'reverse', outcome: r.outcome });
    return r.outcome;
  } catch (e) {
    d.metrics.counterpartyCalls.inc({ counterparty: 'unionpay', call: 'reverse', outcome: 'error' });
    d.logger.warn({ paymentId: p.id, error: e instanceof Error ? e.name : 'unknown' }, 'reversal not sent');
    return 'PENDING';
  }
}
