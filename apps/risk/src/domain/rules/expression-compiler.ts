import { LIST_KINDS, LIST_SUBJECTS, type ListKind, type ListSubject } from '../state/list-cache';
import { type Frame } from '../state/risk-state';
import { WINDOW_ENTITIES, WINDOW_METRICS, type WindowEntity, type WindowMetric } from '../state/window-kinds';
import { FEATURES, type Value, type ValueType } from './features';
import { RuleCompileError } from './rule-compile-error';
import { parseSpan } from './spans';

/**
 * A compiled expression: plain closures, built once when the rule file loads. `explain` (boolean expressions
 * only) says why it is true with the values behind it, e.g. "7 > 5"; it runs only for rules that fired.
 */
export interface Compiled {
  type: ValueType;
  label: string;
  literal: boolean;
  eval: (f: Frame) => Value;
  explain: (f: Frame) => string | null;
}

const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
const ARITHMETIC = ['+', '-', '*', '/'] as const;
type Comparison = (typeof COMPARISONS)[number];
type Arithmetic = (typeof ARITHMETIC)[number];
const OPERATORS = [
  'all',
  'any',
  'not',
  'in',
  'between',
  'feature',
  'window',
  'listed',
  ...COMPARISONS,
  ...ARITHMETIC,
];

const noExplain = () => null;

/** Numbers in explanations: integers as they are, others to one decimal. */
export function formatValue(v: Value): string {
  if (v === null) return 'unknown';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  return String(v);
}

export function compileExpression(node: unknown, path: string): Compiled {
  if (typeof node === 'number') {
    if (!Number.isFinite(node)) throw new RuleCompileError(path, 'numbers must be finite');
    return literal('number', node);
  }
  if (typeof node === 'string') return literal('string', node);
  if (typeof node === 'boolean') return literal('boolean', node);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    throw new RuleCompileError(path, 'expected a number, string, boolean or an {operator: ...} object');
  }
  const keys = Object.keys(node);
  if (keys.length !== 1) {
    throw new RuleCompileError(path, `an expression object has exactly one operator key, got ${keys.length}`);
  }
  const op = keys[0]!;
  const arg: unknown = (node as Record<string, unknown>)[op];
  const at = `${path}.${op}`;
  switch (op) {
    case 'feature':
      return feature(arg, at);
    case 'window':
      return window(arg, at);
    case 'listed':
      return listed(arg, at);
    case 'all':
    case 'any':
      return logical(op, arg, at);
    case 'not':
      return not(compileBoolean(arg, at));
    case 'in':
      return inList(arg, at);
    case 'between':
      return between(arg, at);
    default:
      if ((COMPARISONS as readonly string[]).includes(op)) return comparison(op as Comparison, arg, at);
      if ((ARITHMETIC as readonly string[]).includes(op)) return arithmetic(op as Arithmetic, arg, at);
      throw new RuleCompileError(path, `unknown operator '${op}' (known: ${OPERATORS.join(', ')})`);
  }
}

/** The `when` of a rule: must be boolean. */
export function compileBoolean(node: unknown, path: string): Compiled {
  const c = compileExpression(node, path);
  if (c.type !== 'boolean')
    throw new RuleCompileError(path, `expected a condition (boolean), got a ${c.type}`);
  return c;
}

function literal(type: ValueType, value: Value): Compiled {
  const text = typeof value === 'string' ? value : formatValue(value);
  return { type, label: text, literal: true, eval: () => value, explain: noExplain };
}

function feature(arg: unknown, path: string): Compiled {
  if (typeof arg !== 'string') throw new RuleCompileError(path, 'expected a feature name');
  const def = Object.prototype.hasOwnProperty.call(FEATURES, arg) ? FEATURES[arg] : undefined;
  if (!def) {
    throw new RuleCompileError(path, `unknown feature '${arg}' (known: ${Object.keys(FEATURES).join(', ')})`);
  }
  const get = def.get;
  return {
    type: def.type,
    label: arg,
    literal: false,
    eval: get,
    explain: def.type === 'boolean' ? (f) => `${arg}=${formatValue(get(f))}` : noExplain,
  };
}

function window(arg: unknown, path: string): Compiled {
  const spec = objectArg(arg, path, ['of', 'metric', 'span']);
  const of = spec.of;
  const metric = spec.metric;
  if (typeof of !== 'string' || !(WINDOW_ENTITIES as readonly string[]).includes(of)) {
    throw new RuleCompileError(`${path}.of`, `expected one of ${WINDOW_ENTITIES.join(', ')}`);
  }
  if (typeof metric !== 'string' || !Object.prototype.hasOwnProperty.call(WINDOW_METRICS, metric)) {
    throw new RuleCompileError(`${path}.metric`, `expected one of ${Object.keys(WINDOW_METRICS).join(', ')}`);
  }
  const span = typeof spec.span === 'string' ? parseSpan(spec.span) : 'expected a span like "1h"';
  if (typeof span === 'string') throw new RuleCompileError(`${path}.span`, span);
  const entity = of as WindowEntity;
  const { kind, field } = WINDOW_METRICS[metric as WindowMetric];
  return {
    type: 'number',
    label: `${of}.${metric}[${String(spec.span)}]`,
    literal: false,
    eval: (f) => f.window(entity, kind, field, span),
    explain: noExplain,
  };
}

function listed(arg: unknown, path: string): Compiled {
  const spec = objectArg(arg, path, ['list', 'subject']);
  if (typeof spec.list !== 'string' || !(LIST_KINDS as readonly string[]).includes(spec.list)) {
    throw new RuleCompileError(`${path}.list`, `expected one of ${LIST_KINDS.join(', ')}`);
  }
  if (typeof spec.subject !== 'string' || !(LIST_SUBJECTS as readonly string[]).includes(spec.subject)) {
    throw new RuleCompileError(`${path}.subject`, `expected one of ${LIST_SUBJECTS.join(', ')}`);
  }
  const kind = spec.list as ListKind;
  const subject = spec.subject as ListSubject;
  return {
    type: 'boolean',
    label: `${subject} on ${kind} list`,
    literal: false,
    eval: (f) => f.listed(kind, subject) !== undefined,
    explain: (f) => {
      const hit = f.listed(kind, subject);
      return hit ? `${subject} on ${kind} list${hit.reason ? ` (${hit.reason})` : ''}` : null;
    },
  };
}

function logical(op: 'all' | 'any', arg: unknown, path: string): Compiled {
  if (!Array.isArray(arg) || arg.length === 0) throw new RuleCompileError(path, 'expected a non-empty array');
  const parts = arg.map((a, i) => compileBoolean(a, `${path}[${i}]`));
  const evals = parts.map((p) => p.eval);
  const n = evals.length;
  const evalFn =
    op === 'all'
      ? (f: Frame) => {
          for (let i = 0; i < n; i++) if (evals[i]!(f) !== true) return false;
          return true;
        }
      : (f: Frame) => {
          for (let i = 0; i < n; i++) if (evals[i]!(f) === true) return true;
          return false;
        };
  return {
    type: 'boolean',
    label: `${op}(${parts.map((p) => p.label).join(', ')})`,
    literal: false,
    eval: evalFn,
    explain: (f) => {
      const why = parts.filter((p) => p.eval(f) === true).map((p) => p.explain(f));
      const text = why.filter((w): w is string => w !== null).join('; ');
      return text || null;
    },
  };
}

function not(inner: Compiled): Compiled {
  const e = inner.eval;
  return {
    type: 'boolean',
    label: `not ${inner.label}`,
    literal: false,
    eval: (f) => e(f) === false,
    explain: (f) => `${inner.label}=${formatValue(e(f))}`,
  };
}

function operands(arg: unknown, path: string, count: number): Compiled[] {
  if (!Array.isArray(arg) || arg.length !== count) {
    throw new RuleCompileError(path, `expected an array of ${count} operands`);
  }
  return arg.map((a, i) => compileExpression(a, `${path}[${i}]`));
}

function comparison(op: Comparison, arg: unknown, path: string): Compiled {
  const [l, r] = operands(arg, path, 2) as [Compiled, Compiled];
  const ordered = op !== '==' && op !== '!=';
  if (ordered && (l.type !== 'number' || r.type !== 'number')) {
    throw new RuleCompileError(path, `'${op}' compares numbers, got ${l.type} and ${r.type}`);
  }
  if (l.type !== r.type) throw new RuleCompileError(path, `'${op}' compares a ${l.type} with a ${r.type}`);
  const le = l.eval;
  const re = r.eval;
  const test = comparator(op);
  const evalFn = (f: Frame) => {
    const a = le(f);
    const b = re(f);
    return a !== null && b !== null && test(a, b);
  };
  // An equality with a literal names the value ("scene=ONLINE"); other comparisons show both sides ("7 > 5").
  const explain =
    !ordered && r.literal
      ? (f: Frame) => `${l.label}=${formatValue(le(f))}`
      : (f: Frame) => `${formatValue(le(f))} ${op} ${formatValue(re(f))}`;
  return { type: 'boolean', label: `${l.label} ${op} ${r.label}`, literal: false, eval: evalFn, explain };
}

function comparator(op: Comparison): (a: number | string | boolean, b: number | string | boolean) => boolean {
  switch (op) {
    case '>':
      return (a, b) => a > b;
    case '>=':
      return (a, b) => a >= b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '==':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
  }
}

function inList(arg: unknown, path: string): Compiled {
  if (!Array.isArray(arg) || arg.length !== 2 || !Array.isArray(arg[1])) {
    throw new RuleCompileError(path, 'expected [expression, [literal, ...]]');
  }
  const left = compileExpression(arg[0], `${path}[0]`);
  const values = arg[1] as unknown[];
  if (values.length === 0) throw new RuleCompileError(`${path}[1]`, 'the list is empty');
  values.forEach((v, i) => {
    if (typeof v !== left.type || (left.type !== 'string' && left.type !== 'number')) {
      throw new RuleCompileError(`${path}[1][${i}]`, `expected a ${left.type} literal`);
    }
  });
  const set = new Set(values as (string | number)[]);
  const le = left.eval;
  return {
    type: 'boolean',
    label: `${left.label} in [${values.join(', ')}]`,
    literal: false,
    eval: (f) => {
      const v = le(f);
      return (typeof v === 'string' || typeof v === 'number') && set.has(v);
    },
    explain: (f) => `${left.label}=${formatValue(le(f))}`,
  };
}

function between(arg: unknown, path: string): Compiled {
  const [v, lo, hi] = operands(arg, path, 3) as [Compiled, Compiled, Compiled];
  if (v.type !== 'number' || lo.type !== 'number' || hi.type !== 'number') {
    throw new RuleCompileError(path, "'between' takes three numbers: [value, low, high] (inclusive)");
  }
  const [ve, le, he] = [v.eval, lo.eval, hi.eval];
  return {
    type: 'boolean',
    label: `${v.label} between ${lo.label} and ${hi.label}`,
    literal: false,
    eval: (f) => {
      const x = ve(f) as number | null;
      return x !== null && x >= (le(f) as number) && x <= (he(f) as number);
    },
    explain: (f) => `${v.label}=${formatValue(ve(f))}`,
  };
}

function arithmetic(op: Arithmetic, arg: unknown, path: string): Compiled {
  const [l, r] = operands(arg, path, 2) as [Compiled, Compiled];
  if (l.type !== 'number' || r.type !== 'number') {
    throw new RuleCompileError(path, `'${op}' takes numbers, got ${l.type} and ${r.type}`);
  }
  const le = l.eval as (f: Frame) => number | null;
  const re = r.eval as (f: Frame) => number | null;
  const apply = (a: number, b: number): number | null => {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return b === 0 ? null : a / b;
    }
  };
  return {
    type: 'number',
    label: `(${l.label} ${op} ${r.label})`,
    literal: false,
    eval: (f) => {
      const a = le(f);
      const b = re(f);
      return a === null || b === null ? null : apply(a, b);
    },
    explain: noExplain,
  };
}

function objectArg(arg: unknown, path: string, allowed: string[]): Record<string, unknown> {
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) {
    throw new RuleCompileError(path, `expected an object with ${allowed.join(', ')}`);
  }
  for (const key of Object.keys(arg)) {
    if (!allowed.includes(key))
      throw new RuleCompileError(`${path}.${key}`, `unknown key (expected ${allowed.join(', ')})`);
  }
  return arg as Record<string, unknown>;
}
