import { LATENCY_BUCKETS_SECONDS, type Counter, type Histogram, type Metrics } from '@wxpay/observability';
import { type BreakKind, type BreakSource } from './domain/reconciliation';

/** The breaks each side can show (a capture missing at UnionPay is never a WeChat Pay finding, and so on). */
const BREAK_SERIES: readonly (readonly [BreakKind, BreakSource])[] = [
  ['MISSING_IN_LEDGER', 'UNIONPAY'],
  ['MISSING_IN_LEDGER', 'WECHATPAY'],
  ['MISSING_AT_UNIONPAY', 'UNIONPAY'],
  ['MISSING_AT_WECHATPAY', 'WECHATPAY'],
  ['AMOUNT_DIFFERS', 'UNIONPAY'],
  ['AMOUNT_DIFFERS', 'WECHATPAY'],
  ['STATUS_DIFFERS', 'WECHATPAY'],
];

/** The payment service's own series (bounded label values only: codes and states, never ids). */
export class PaymentMetrics {
  readonly transitions: Counter<'from' | 'to'>;
  readonly webhookNotifications: Counter<'endpoint' | 'outcome'>;
  readonly webhookRejected: Counter<'endpoint' | 'code'>;
  readonly webhookAnswerSeconds: Histogram<'endpoint'>;
  readonly inboxOutcomes: Counter<'outcome'>;
  readonly counterpartyCalls: Counter<'counterparty' | 'call' | 'outcome'>;
  readonly idempotency: Counter<'operation' | 'outcome'>;
  readonly reconciliationBreaks: Counter<'kind' | 'source'>;
  readonly alerts: Counter<'kind'>;
  readonly leaseTakeovers: Counter<'resource'>;

  constructor(metrics: Metrics) {
    this.transitions = metrics.counter({
      name: 'payment_transitions_total',
      help: 'Payment state transitions',
      labelNames: ['from', 'to'],
    });
    this.webhookNotifications = metrics.counter({
      name: 'payment_webhook_notifications_total',
      help: 'WeChat Pay notifications by answer: stored, duplicate, rejected (verification), store_failed',
      labelNames: ['endpoint', 'outcome'],
    });
    this.webhookRejected = metrics.counter({
      name: 'payment_webhook_verification_failures_total',
      help: 'Notifications refused before anything was stored, by verification failure code',
      labelNames: ['endpoint', 'code'],
    });
    this.webhookAnswerSeconds = metrics.histogram({
      name: 'payment_webhook_answer_seconds',
      help: 'Time to answer a WeChat Pay notification',
      labelNames: ['endpoint'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
    });
    this.inboxOutcomes = metrics.counter({
      name: 'payment_webhook_inbox_outcomes_total',
      help: 'Stored notifications as the worker applied them: applied, duplicate, forwarded, deferred, rejected',
      labelNames: ['outcome'],
    });
    this.counterpartyCalls = metrics.counter({
      name: 'payment_counterparty_calls_total',
      help: 'Calls to risk, vault, UnionPay and WeChat Pay by outcome',
      labelNames: ['counterparty', 'call', 'outcome'],
    });
    this.idempotency = metrics.counter({
      name: 'payment_idempotency_total',
      help: 'Mutating calls by idempotency outcome: first, replayed, conflict, in_progress',
      labelNames: ['operation', 'outcome'],
    });
    this.reconciliationBreaks = metrics.counter({
      name: 'payment_reconciliation_breaks_total',
      help: 'Reconciliation breaks found',
      labelNames: ['kind', 'source'],
    });
    // Every series from 0 at start: runs are daily, and the first break after a restart would otherwise create
    // its series at 1, a rise that increase() (the alert) cannot see.
    for (const [kind, source] of BREAK_SERIES) this.reconciliationBreaks.inc({ kind, source }, 0);
    this.alerts = metrics.counter({
      name: 'payment_alerts_total',
      help: 'Situations an operator must look at (capture refused, amount mismatch, payment after close, …)',
      labelNames: ['kind'],
    });
    this.leaseTakeovers = metrics.counter({
      name: 'wxpay_lease_takeovers_total',
      help: 'Leases taken over after they ran out under another owner (a driver or job runner died or stalled)',
      labelNames: ['resource'],
    });
  }
}
