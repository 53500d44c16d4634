import {
  paymentPayloadSchemas,
  Scene,
  sceneFromJSON,
  type EvaluateRequest,
  type PaymentEventType,
} from '@wxpay/contracts';
import { toCnyFen, type FxRates } from '../domain/engine/fx-rates';
import { RiskEngine } from '../domain/engine/risk-engine';
import { type DecisionOutcome, type RiskSubject } from '../domain/engine/risk-subject';
import { subjectOfAttempt, subjectOfPayment } from '../domain/engine/subjects';
import { parseEvaluateRequest } from '../api/evaluate-request';
import { type CompiledRuleSet, type Verdict } from '../domain/rules/compiled-rule-set';
import { RiskState, windowFactOf } from '../domain/state/risk-state';

const CARD_STATUS: Record<string, 'ACTIVE' | 'SUSPENDED' | 'DELETED'> = {
  CardTokenized: 'ACTIVE',
  CardResumed: 'ACTIVE',
  CardSuspended: 'SUSPENDED',
  CardDeleted: 'DELETED',
};

const DECISIONS: readonly DecisionOutcome[] = ['APPROVE', 'REVIEW', 'REJECT'];

export interface BacktestExample {
  line: number;
  attemptId: string;
  cardToken: string;
  baseline: { decision: DecisionOutcome; reasons: string[] };
  candidate: { decision: DecisionOutcome; reasons: string[] };
}

export interface RuleSetFigures {
  version: string;
  decisions: Record<DecisionOutcome, number>;
  reasons: Record<string, number>;
  alerts: Record<string, number>;
  /** With labelled attempts (review outcomes): decisions per label. */
  byLabel: Record<string, Record<DecisionOutcome, number>>;
}

export interface BacktestReport {
  attempts: number;
  facts: number;
  ignored: number;
  errors: { line: number; error: string }[];
  baseline: RuleSetFigures;
  candidate: RuleSetFigures;
  /** `APPROVE→REJECT` etc., baseline to candidate. */
  transitions: Record<string, number>;
  changed: number;
  examples: BacktestExample[];
  seconds: number;
}

interface Entry {
  line: number;
  at: number;
  /** Lifecycle facts before attempts of the same instant (the fact happened; the attempt reads it). */
  rank: number;
  text: string;
  value: Record<string, unknown>;
}

const zero = (): Record<DecisionOutcome, number> => ({ APPROVE: 0, REVIEW: 0, REJECT: 0 });

function figures(version: string): RuleSetFigures {
  return { version, decisions: zero(), reasons: {}, alerts: {}, byLabel: {} };
}

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function tally(f: RuleSetFigures, v: Verdict, label: string | undefined): void {
  f.decisions[v.decision]++;
  for (const r of v.reasons) count(f.reasons, r.code);
  if (label) (f.byLabel[label] ??= zero())[v.decision]++;
}

/** When a line happened: an envelope's occurredAt, an attempt's occurred_at. */
function timeOf(value: Record<string, unknown>): number {
  const t = typeof value.occurredAt === 'string' ? value.occurredAt : value.occurred_at;
  return typeof t === 'string' ? Date.parse(t) : NaN;
}

/**
 * Replays an event log through two rule sets at once, on one state, as shadow mode does live: attempts
 * (Evaluate requests, optionally with a review `label`) are decided by both; lifecycle envelopes
 * (payments.lifecycle.v1, cards.lifecycle.v1) move the windows and run both sets' monitoring rules. Lines are
 * replayed in event-time order, so the result does not depend on how the log was assembled. The state evolves
 * with the baseline's decisions (as live traffic does with the live rules); lists are not in the log, so list
 * rules see empty lists.
 */
export function runBacktest(
  lines: Iterable<string>,
  baseline: CompiledRuleSet,
  candidate: CompiledRuleSet,
  fx: FxRates,
  opts: { examples?: number } = {},
): BacktestReport {
  const started = process.hrtime.bigint();
  const report: BacktestReport = {
    attempts: 0,
    facts: 0,
    ignored: 0,
    errors: [],
    baseline: figures(baseline.label),
    candidate: figures(candidate.label),
    transitions: {},
    changed: 0,
    examples: [],
    seconds: 0,
  };
  const entries: Entry[] = [];
  let n = 0;
  for (const text of lines) {
    n++;
    if (!text.trim()) continue;
    try {
      const value = JSON.parse(text) as Record<string, unknown>;
      const at = timeOf(value);
      if (!Number.isFinite(at)) throw new Error('no occurredAt / occurred_at');
      entries.push({ line: n, at, rank: typeof value.type === 'string' ? 0 : 1, text, value });
    } catch (e) {
      report.errors.push({ line: n, error: e instanceof Error ? e.message : String(e) });
    }
  }
  // Ties are broken by content, not by position, so any order of the same log replays identically.
  entries.sort((a, b) => a.at - b.at || a.rank - b.rank || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));

  const state = new RiskState();
  const rules = { live: baseline, shadow: candidate, loadedAt: 0 };
  const engine = new RiskEngine(state, () => rules);
  const cooldowns = new Map<string, number>();
  const maxExamples = opts.examples ?? 10;

  const monitor = (set: CompiledRuleSet, f: RuleSetFigures, s: RiskSubject) => {
    for (const hit of set.monitor(state.frame(s, windowFactOf(s.eventType, s.amountCny)))) {
      const key = `${set.label}|${hit.rule.id}|${s.cardToken}`;
      const last = cooldowns.get(key);
      if (hit.rule.cooldownMs > 0 && last !== undefined && Math.abs(s.at - last) < hit.rule.cooldownMs)
        continue;
      cooldowns.set(key, s.at);
      count(f.alerts, hit.rule.code);
    }
  };

  for (const { line, at, value } of entries) {
    try {
      if (typeof value.type === 'string' && value.payload && typeof value.payload === 'object') {
        const type = value.type;
        const payload = value.payload as Record<string, unknown>;
        if (Object.prototype.hasOwnProperty.call(paymentPayloadSchemas, type)) {
          const parsed = paymentPayloadSchemas[type as PaymentEventType].parse(payload);
          const s = subjectOfPayment(type as PaymentEventType, parsed, at, fx);
          monitor(baseline, report.baseline, s);
          monitor(candidate, report.candidate, s);
          engine.apply(s);
          report.facts++;
        } else if (CARD_STATUS[type]) {
          const token =
            typeof payload.cardToken === 'string' ? payload.cardToken : String(value.aggregateId ?? '');
          state.statuses.set(token, CARD_STATUS[type]!);
          report.facts++;
        } else {
          report.ignored++;
        }
        continue;
      }
      const attempt = parseEvaluateRequest(evaluateRequestOf(value), {
        now: 0,
        maxFutureSkewMs: Infinity,
        maxAgeMs: Infinity,
      });
      const amountCny = toCnyFen(attempt.amountMinor, attempt.currency, fx);
      if (amountCny === undefined) throw new Error(`no rate for ${attempt.currency}`);
      const { live, shadow } = engine.evaluate(subjectOfAttempt(attempt, amountCny));
      const label = typeof value.label === 'string' ? value.label : undefined;
      tally(report.baseline, live, label);
      tally(report.candidate, shadow!, label);
      count(report.transitions, `${live.decision}→${shadow!.decision}`);
      report.attempts++;
      if (live.decision !== shadow!.decision) {
        report.changed++;
        if (report.examples.length < maxExamples) {
          report.examples.push({
            line,
            attemptId: attempt.attemptId ?? '',
            cardToken: attempt.cardToken,
            baseline: { decision: live.decision, reasons: live.reasons.map((r) => `${r.code} ${r.value}`) },
            candidate: {
              decision: shadow!.decision,
              reasons: shadow!.reasons.map((r) => `${r.code} ${r.value}`),
            },
          });
        }
      }
    } catch (e) {
      report.errors.push({ line, error: e instanceof Error ? e.message : String(e) });
    }
  }
  report.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return report;
}

function pct(part: number, whole: number): string {
  return whole ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}

/** The report as plain text (what the CLI prints). */
export function formatReport(r: BacktestReport): string {
  const out: string[] = [];
  const rate = r.seconds > 0 ? Math.round((r.attempts + r.facts) / r.seconds) : 0;
  out.push(
    `replayed ${r.attempts} attempts and ${r.facts} lifecycle events in ${r.seconds.toFixed(2)} s (${rate} events/s)`,
  );
  if (r.ignored) out.push(`ignored ${r.ignored} events of other types`);
  out.push('');
  out.push(`decision   ${r.baseline.version.padEnd(30)} ${r.candidate.version.padEnd(30)} change`);
  for (const d of DECISIONS) {
    const a = r.baseline.decisions[d];
    const b = r.candidate.decisions[d];
    out.push(
      `${d.padEnd(10)} ${`${a} (${pct(a, r.attempts)})`.padEnd(30)} ${`${b} (${pct(b, r.attempts)})`.padEnd(30)} ${b - a >= 0 ? '+' : ''}${b - a}`,
    );
  }
  out.push('');
  out.push(`decisions that differ: ${r.changed} of ${r.attempts} (${pct(r.changed, r.attempts)})`);
  for (const [t, c] of Object.entries(r.transitions).sort()) {
    const [from, to] = t.split('→');
    if (from !== to) out.push(`  ${t}: ${c}`);
  }
  const codes = [
    ...new Set([...Object.keys(r.baseline.reasons), ...Object.keys(r.candidate.reasons)]),
  ].sort();
  const changedCodes = codes.filter((c) => (r.baseline.reasons[c] ?? 0) !== (r.candidate.reasons[c] ?? 0));
  if (changedCodes.length) {
    out.push('');
    out.push('reason codes that fire differently (baseline → candidate):');
    for (const c of changedCodes)
      out.push(`  ${c}: ${r.baseline.reasons[c] ?? 0} → ${r.candidate.reasons[c] ?? 0}`);
  }
  const alerts = [...new Set([...Object.keys(r.baseline.alerts), ...Object.keys(r.candidate.alerts)])].sort();
  if (alerts.length) {
    out.push('');
    out.push('alerts (baseline → candidate):');
    for (const c of alerts) out.push(`  ${c}: ${r.baseline.alerts[c] ?? 0} → ${r.candidate.alerts[c] ?? 0}`);
  }
  const labels = Object.keys({ ...r.baseline.byLabel, ...r.candidate.byLabel }).sort();
  if (labels.length) {
    out.push('');
    out.push('labelled attempts (label: approve/review/reject, baseline → candidate):');
    for (const l of labels) {
      const a = r.baseline.byLabel[l] ?? zero();
      const b = r.candidate.byLabel[l] ?? zero();
      out.push(`  ${l}: ${a.APPROVE}/${a.REVIEW}/${a.REJECT} → ${b.APPROVE}/${b.REVIEW}/${b.REJECT}`);
    }
  }
  if (r.examples.length) {
    out.push('');
    out.push('examples:');
    for (const e of r.examples) {
      out.push(
        `  line ${e.line} ${e.attemptId || '(no attempt id)'} card ${e.cardToken}: ${e.baseline.decision} → ${e.candidate.decision}`,
      );
      out.push(`    baseline:  ${e.baseline.reasons.join('; ') || '(no reasons)'}`);
      out.push(`    candidate: ${e.candidate.reasons.join('; ') || '(no reasons)'}`);
    }
  }
  if (r.errors.length) {
    out.push('');
    out.push(`${r.errors.length} lines could not be replayed, e.g.:`);
    for (const e of r.errors.slice(0, 5)) out.push(`  line ${e.line}: ${e.error}`);
  }
  return out.join('\n');
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** A logged Evaluate request (JSON, field names of the proto) as the generated message, defaults filled. */
function evaluateRequestOf(v: Record<string, unknown>): EvaluateRequest {
  const geo = v.geo as
    | { coordinates?: { lat?: number; lon?: number } | null; country?: string; city?: string }
    | null
    | undefined;
  return {
    attempt_id: text(v.attempt_id),
    card_token: text(v.card_token),
    amount_minor: text(v.amount_minor),
    currency: text(v.currency),
    merchant_id: text(v.merchant_id),
    mcc: text(v.mcc),
    scene: sceneFromJSON(v.scene ?? Scene.SCENE_UNSPECIFIED),
    payer_id: text(v.payer_id),
    device_id: text(v.device_id),
    ip: text(v.ip),
    geo: geo
      ? {
          coordinates: geo.coordinates
            ? { lat: geo.coordinates.lat ?? 0, lon: geo.coordinates.lon ?? 0 }
            : undefined,
          country: text(geo.country),
          city: text(geo.city),
        }
      : undefined,
    occurred_at: text(v.occurred_at),
  };
}
