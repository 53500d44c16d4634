/**
 * Replays a stored event log (JSON lines) through a candidate rule set and a baseline, and prints the decision
 * counts and their differences:
 *
 *   node -r ./tools/ts-register.js apps/risk/src/cli/backtest.ts --events log.jsonl \
 *     --rules apps/risk/rules/candidate.json [--baseline apps/risk/rules/default.json] [--examples 10] [--json]
 *
 * Lines are Evaluate requests (proto field names, `occurred_at`, optional `label`: FRAUD / LEGIT from the review
 * queue) and lifecycle envelopes as found on payments.lifecycle.v1 / cards.lifecycle.v1. Exit code 2 on a bad
 * rule file or arguments.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseFxRates } from '../domain/engine/fx-rates';
import { RuleSetError } from '../domain/rules/rule-compile-error';
import { compileRuleSetText } from '../domain/rules/rule-set-compiler';
import { formatReport, runBacktest } from './backtest-runner';

const RULES_DIR = join(__dirname, '..', '..', 'rules');

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const key = a.slice(2);
    const next = argv[i + 1];
    if (key === 'json') out.json = 'true';
    else if (next === undefined || next.startsWith('--')) throw new Error(`--${key} needs a value`);
    else out[key] = argv[++i]!;
  }
  return out;
}

function main(): number {
  let a: Record<string, string>;
  try {
    a = args(process.argv.slice(2));
    if (!a.events || !a.rules) throw new Error('--events and --rules are required');
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.stderr.write(
      'usage: backtest --events <log.jsonl> --rules <candidate.json> [--baseline <rules.json>] [--examples N] [--json]\n',
    );
    return 2;
  }
  const baselineFile = a.baseline ?? join(RULES_DIR, 'default.json');
  try {
    const candidate = compileRuleSetText(readFileSync(a.rules, 'utf8'), a.rules);
    const baseline = compileRuleSetText(readFileSync(baselineFile, 'utf8'), baselineFile);
    const lines = readFileSync(a.events, 'utf8').split('\n');
    const report = runBacktest(lines, baseline, candidate, parseFxRates(process.env.RISK_FX_RATES), {
      examples: a.examples ? Number(a.examples) : 10,
    });
    process.stdout.write(`${a.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof RuleSetError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main();
