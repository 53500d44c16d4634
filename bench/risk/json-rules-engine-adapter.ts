/**
 * The default rule file translated to json-rules-engine (the most used JavaScript rules engine), over the same
 * state and feature functions as the compiled engine, for a like-for-like comparison: same rules, same events,
 * same window reads; only the evaluation strategy differs (interpreted condition trees and async fact resolution
 * versus closures compiled once). The frame is handed to facts through a closure (sequential runs), which spares
 * json-rules-engine one almanac lookup per fact: the comparison errs in its favour.
 */
import { Engine, type NestedCondition, type TopLevelCondition } from 'json-rules-engine';
import { type DecisionOutcome } from '../../apps/risk/src/domain/engine/risk-subject';
import { FEATURES } from '../../apps/risk/src/domain/rules/features';
import { type RuleSetDocument } from '../../apps/risk/src/domain/rules/rule-set.schema';
import { parseSpan } from '../../apps/risk/src/domain/rules/spans';
import { type ListKind, type ListSubject } from '../../apps/risk/src/domain/state/list-cache';
import { type Frame } from '../../apps/risk/src/domain/state/risk-state';
import {
  WINDOW_METRICS,
  type WindowEntity,
  type WindowMetric,
} from '../../apps/risk/src/domain/state/window-kinds';

const OPERATORS: Record<string, string> = {
  '>': 'greaterThan',
  '>=': 'greaterThanInclusive',
  '<': 'lessThan',
  '<=': 'lessThanInclusive',
  '==': 'equal',
  '!=': 'notEqual',
};

type Node = Record<string, unknown>;

function fact(node: unknown): { fact: string; params?: Record<string, unknown> } {
  const n = node as Node;
  if (typeof n.feature === 'string') return { fact: n.feature };
  if (n.window) return { fact: 'window', params: n.window as Record<string, unknown> };
  throw new Error(`not translatable to json-rules-engine: ${JSON.stringify(node)}`);
}

function condition(node: unknown): NestedCondition {
  const n = node as Node;
  const [op] = Object.keys(n);
  const arg = n[op!];
  if (op === 'all') return { all: (arg as unknown[]).map(condition) };
  if (op === 'any') return { any: (arg as unknown[]).map(condition) };
  if (op === 'not') return { not: condition(arg) };
  if (op === 'feature') return { fact: arg as string, operator: 'equal', value: true };
  if (op === 'listed')
    return { fact: 'listed', params: arg as Record<string, unknown>, operator: 'equal', value: true };
  if (op === 'in') {
    const [left, values] = arg as [unknown, unknown[]];
    return { ...fact(left), operator: 'in', value: values };
  }
  if (op === 'between') {
    const [v, lo, hi] = arg as [unknown, number, number];
    return {
      all: [
        { ...fact(v), operator: 'greaterThanInclusive', value: lo },
        { ...fact(v), operator: 'lessThanInclusive', value: hi },
      ],
    };
  }
  if (op && OPERATORS[op]) {
    const [left, right] = arg as [unknown, unknown];
    return { ...fact(left), operator: OPERATORS[op]!, value: right };
  }
  throw new Error(`not translatable to json-rules-engine: ${op}`);
}

function topLevel(node: unknown): TopLevelCondition {
  const c = condition(node) as Node;
  return 'all' in c || 'any' in c || 'not' in c ? (c as TopLevelCondition) : { all: [c as NestedCondition] };
}

export interface JreVerdict {
  decision: DecisionOutcome;
  codes: string[];
}

/** Builds a json-rules-engine with the decision rules of `doc`; `evaluate(frame)` decides like the real engine. */
export function jsonRulesEngineFor(doc: RuleSetDocument): { evaluate: (f: Frame) => Promise<JreVerdict> } {
  const engine = new Engine([], { allowUndefinedFacts: false });
  let current: Frame | undefined;
  for (const [name, def] of Object.entries(FEATURES)) engine.addFact(name, () => def.get(current!));
  engine.addFact('window', (params: Record<string, unknown>) => {
    const span = parseSpan(String(params.span)) as number;
    const { kind, field } = WINDOW_METRICS[params.metric as WindowMetric];
    return current!.window(params.of as WindowEntity, kind, field, span);
  });
  engine.addFact(
    'listed',
    (params: Record<string, unknown>) =>
      current!.listed(params.list as ListKind, params.subject as ListSubject) !== undefined,
  );
  for (const rule of doc.rules.filter((r) => r.enabled)) {
    engine.addRule({
      name: rule.id,
      conditions: topLevel(rule.when),
      event: { type: rule.code, params: { action: rule.action, score: rule.score } },
    });
  }
  const { review, reject } = doc.thresholds;
  return {
    async evaluate(f: Frame): Promise<JreVerdict> {
      current = f;
      const { events } = await engine.run();
      let score = 0;
      let hard = false;
      let allow = false;
      let rev = false;
      for (const e of events) {
        const p = e.params as { action: string; score: number };
        score += p.score;
        if (p.action === 'REJECT') hard = true;
        else if (p.action === 'ALLOW') allow = true;
        else if (p.action === 'REVIEW') rev = true;
      }
      score = Math.min(100, score);
      const decision: DecisionOutcome = hard
        ? 'REJECT'
        : allow
          ? 'APPROVE'
          : score >= reject
            ? 'REJECT'
            : rev || score >= review
              ? 'REVIEW'
              : 'APPROVE';
      return { decision, codes: events.map((e) => e.type) };
    },
  };
}
