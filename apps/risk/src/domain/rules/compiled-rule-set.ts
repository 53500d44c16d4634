import { type RiskAlertSeverity } from '@wxpay/contracts';
import { type DecisionOutcome } from '../engine/risk-subject';
import { type Frame } from '../state/risk-state';
import { type DecisionAction } from './rule-set.schema';

export interface Reason {
  code: string;
  value: string;
  ruleId: string;
  score: number;
}

export interface Verdict {
  decision: DecisionOutcome;
  score: number;
  reasons: Reason[];
  ruleSetVersion: string;
}

export interface CompiledDecisionRule {
  id: string;
  code: string;
  action: DecisionAction;
  score: number;
  test: (f: Frame) => boolean;
  explain: (f: Frame) => string;
}

export interface CompiledMonitoringRule {
  id: string;
  code: string;
  severity: RiskAlertSeverity;
  suspendToken: boolean;
  cooldownMs: number;
  test: (f: Frame) => boolean;
  explain: (f: Frame) => string;
}

export interface AlertHit {
  rule: CompiledMonitoringRule;
  value: string;
}

const MAX_SCORE = 100;

/**
 * An immutable, compiled rule set. Decision: any REJECT rule → REJECT; else any ALLOW rule → APPROVE (allow lists
 * waive scores and reviews, never a hard reject); else the summed score (capped at 100) → REJECT at the reject
 * threshold, REVIEW at the review threshold or when a REVIEW rule fired, APPROVE otherwise.
 */
export class CompiledRuleSet {
  private readonly monitoringByType: ReadonlyMap<string, readonly CompiledMonitoringRule[]>;

  constructor(
    /** `name@version`: recorded with every decision. */
    readonly label: string,
    readonly sha256: string,
    readonly thresholds: { readonly review: number; readonly reject: number },
    private readonly rules: readonly CompiledDecisionRule[],
    monitoring: readonly CompiledMonitoringRule[],
    monitoredTypes: ReadonlyMap<string, readonly string[]>,
  ) {
    const byType = new Map<string, CompiledMonitoringRule[]>();
    for (const rule of monitoring) {
      for (const type of monitoredTypes.get(rule.id) ?? []) {
        const list = byType.get(type) ?? [];
        list.push(rule);
        byType.set(type, list);
      }
    }
    this.monitoringByType = byType;
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  decide(f: Frame): Verdict {
    const rules = this.rules;
    let fired: CompiledDecisionRule[] | null = null;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.test(f)) (fired ??= []).push(rule);
    }
    if (fired === null) return { decision: 'APPROVE', score: 0, reasons: [], ruleSetVersion: this.label };
    let score = 0;
    let reject = false;
    let allow = false;
    let review = false;
    for (const rule of fired) {
      score += rule.score;
      if (rule.action === 'REJECT') reject = true;
      else if (rule.action === 'ALLOW') allow = true;
      else if (rule.action === 'REVIEW') review = true;
    }
    score = Math.min(score, MAX_SCORE);
    const decision: DecisionOutcome = reject
      ? 'REJECT'
      : allow
        ? 'APPROVE'
        : score >= this.thresholds.reject
          ? 'REJECT'
          : review || score >= this.thresholds.review
            ? 'REVIEW'
            : 'APPROVE';
    const reasons = fired.map((r) => ({ code: r.code, value: r.explain(f), ruleId: r.id, score: r.score }));
    return { decision, score, reasons, ruleSetVersion: this.label };
  }

  /** Monitoring rules for a lifecycle event that match it. */
  monitor(f: Frame): AlertHit[] {
    const rules = this.monitoringByType.get(f.s.eventType);
    if (!rules) return [];
    const hits: AlertHit[] = [];
    for (const rule of rules) if (rule.test(f)) hits.push({ rule, value: rule.explain(f) });
    return hits;
  }
}
