import { createHash } from 'crypto';
import { type z } from 'zod';
import { CompiledRuleSet, type CompiledDecisionRule, type CompiledMonitoringRule } from './compiled-rule-set';
import { compileBoolean, type Compiled } from './expression-compiler';
import { RuleCompileError, RuleSetError } from './rule-compile-error';
import { ruleSetSchema, type RuleSetDocument } from './rule-set.schema';
import { parseSpan } from './spans';

function zodProblems(error: z.ZodError, doc: unknown): string[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${describeRoot(path, doc)}: ${i.message}`;
  });
}

/** `rules[2].code` rather than `.rules[2].code`; and the rule id where there is one, for the reader. */
function describeRoot(path: string, doc: unknown): string {
  const clean = path.replace(/^\./, '') || '(root)';
  const m = /^(rules|monitoring)\[(\d+)\]/.exec(clean);
  if (!m || doc === null || typeof doc !== 'object') return clean;
  const list = (doc as Record<string, unknown>)[m[1]!];
  const rule = Array.isArray(list) ? (list[Number(m[2])] as { id?: unknown } | undefined) : undefined;
  return typeof rule?.id === 'string' ? `${clean} (rule '${rule.id}')` : clean;
}

function explainer(c: Compiled): (f: Parameters<Compiled['eval']>[0]) => string {
  return (f) => c.explain(f) ?? 'matched';
}

/**
 * Validates a parsed rule file and compiles it to closures. Every problem in the file is reported at once, each
 * with its place; nothing is compiled partially.
 */
export function compileRuleSet(doc: unknown, source: string, content?: string): CompiledRuleSet {
  const parsed = ruleSetSchema.safeParse(doc);
  if (!parsed.success) throw new RuleSetError(source, zodProblems(parsed.error, doc));
  const set: RuleSetDocument = parsed.data;
  const problems: string[] = [];
  const decisionRules: CompiledDecisionRule[] = [];
  const monitoring: CompiledMonitoringRule[] = [];
  const monitoredTypes = new Map<string, readonly string[]>();

  set.rules.forEach((rule, i) => {
    try {
      const when = compileBoolean(rule.when, `rules[${i}] (rule '${rule.id}').when`);
      if (!rule.enabled) return;
      decisionRules.push({
        id: rule.id,
        code: rule.code,
        action: rule.action,
        score: rule.score,
        test: when.eval as CompiledDecisionRule['test'],
        explain: explainer(when),
      });
    } catch (e) {
      if (e instanceof RuleCompileError) problems.push(e.message);
      else throw e;
    }
  });
  set.monitoring.forEach((rule, i) => {
    const where = `monitoring[${i}] (rule '${rule.id}')`;
    try {
      const when = compileBoolean(rule.when, `${where}.when`);
      const cooldown = rule.cooldown === undefined ? 0 : parseSpan(rule.cooldown);
      if (typeof cooldown === 'string') throw new RuleCompileError(`${where}.cooldown`, cooldown);
      if (!rule.enabled) return;
      monitoring.push({
        id: rule.id,
        code: rule.code,
        severity: rule.severity,
        suspendToken: rule.suspendToken,
        cooldownMs: cooldown,
        test: when.eval as CompiledMonitoringRule['test'],
        explain: explainer(when),
      });
      monitoredTypes.set(rule.id, rule.on);
    } catch (e) {
      if (e instanceof RuleCompileError) problems.push(e.message);
      else throw e;
    }
  });
  if (problems.length) throw new RuleSetError(source, problems);
  const sha256 = createHash('sha256')
    .update(content ?? JSON.stringify(doc))
    .digest('hex');
  return new CompiledRuleSet(
    `${set.name}@${set.version}`,
    sha256,
    set.thresholds,
    decisionRules,
    monitoring,
    monitoredTypes,
  );
}

/** Parses rule-file text (JSON) and compiles it; a syntax error is reported like any other problem. */
export function compileRuleSetText(text: string, source: string): CompiledRuleSet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RuleSetError(source, [`not valid JSON: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return compileRuleSet(doc, source, text);
}
