import { LATENCY_BUCKETS_SECONDS, type Metrics } from '@wxpay/observability';
import { type Verdict } from './domain/rules/compiled-rule-set';

/** The risk engine's Prometheus series. Label values are bounded: decisions, reason codes, event types. */
export function createRiskMetrics(metrics: Metrics) {
  const decisions = metrics.counter({
    name: 'risk_decisions_total',
    help: 'Decisions by outcome',
    labelNames: ['decision'],
  });
  const ruleHits = metrics.counter({
    name: 'risk_rule_hits_total',
    help: 'Live rules that fired, by reason code (watch for a rule that suddenly fires on everything)',
    labelNames: ['code'],
  });
  const shadowDiffers = metrics.counter({
    name: 'risk_shadow_disagreements_total',
    help: 'Decisions where the shadow rule set would have decided otherwise',
    labelNames: ['live', 'shadow'],
  });
  const flushes = metrics.histogram({
    name: 'risk_decision_flush_seconds',
    help: 'Decision batches written (one transaction each)',
    labelNames: ['ok'],
    buckets: LATENCY_BUCKETS_SECONDS as number[],
  });
  const flushedDecisions = metrics.counter({
    name: 'risk_decisions_stored_total',
    help: 'Decisions committed',
  });
  const streamEvents = metrics.counter({
    name: 'risk_stream_events_total',
    help: 'Lifecycle events handled',
    labelNames: ['type'],
  });
  const alerts = metrics.counter({
    name: 'risk_alerts_total',
    help: 'Alerts raised',
    labelNames: ['code', 'severity'],
  });
  const reloads = metrics.counter({
    name: 'risk_rule_reloads_total',
    help: 'Rule reload attempts',
    labelNames: ['outcome'],
  });
  const suspensions = metrics.counter({
    name: 'risk_token_suspensions_total',
    help: 'Token suspension attempts',
    labelNames: ['outcome'],
  });
  const windowKeys = metrics.gauge({
    name: 'risk_window_keys',
    help: 'Keys with velocity state',
    labelNames: ['entity'],
  });
  const backlog = metrics.gauge({
    name: 'risk_decision_backlog',
    help: 'Decisions accepted, not yet stored',
  });

  return {
    windowKeys,
    backlog,
    onVerdict(live: Verdict, shadow: Verdict | null): void {
      decisions.inc({ decision: live.decision });
      for (const r of live.reasons) ruleHits.inc({ code: r.code });
      if (shadow && shadow.decision !== live.decision) {
        shadowDiffers.inc({ live: live.decision, shadow: shadow.decision });
      }
    },
    onFlush(size: number, seconds: number, ok: boolean): void {
      flushes.observe({ ok: String(ok) }, seconds);
      if (ok) flushedDecisions.inc(size);
    },
    onStreamEvent: (type: string) => streamEvents.inc({ type }),
    onAlert: (code: string, severity: string) => alerts.inc({ code, severity }),
    onReload: (outcome: string) => reloads.inc({ outcome }),
    onSuspension: (outcome: string) => suspensions.inc({ outcome }),
  };
}

export type RiskMetrics = ReturnType<typeof createRiskMetrics>;
