/*
 * `npm run observability:check`: deploy/observability validated without a running Prometheus or Grafana.
 * - every dashboard (dashboards/*.json): JSON, schemaVersion, unique panel ids, a title, description, Prometheus
 *   datasource and targets per panel, and only series the code defines (read from apps/ and libs/ sources and
 *   prom-client's default registry: metric-names.ts);
 * - the alert rules name only such series too;
 * - promtool (Debian's `prometheus` package): `check config` on prometheus.yml (which loads alerts.yml), `check
 *   rules` on alerts.yml and on a rules file made of every dashboard expression, so PromQL that Prometheus
 *   would refuse fails here, and `test rules` on alerts.test.yml (the alerts fire when they should). Without promtool the structural checks still run; outside CI that is a skip
 *   (stated), in CI (CI=true) a failure.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { workspaceRoot } from '@wxpay/testing';
import { dashboardProblems, plainPromql, type DashboardExpression } from './dashboard-rules';
import { knownMetrics, seriesNames } from './metric-names';
import { seriesIn } from './promql-names';

const log = (line: string) => console.log(`[observability:check] ${line}`);

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

function promtool(args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function promtoolAvailable(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Every dashboard expression as a recording rule, so `promtool check rules` parses each one. */
function dashboardRules(expressions: DashboardExpression[]): string {
  const rules = expressions.map((e) => ({
    record: `dashboard:${e.dashboard.replace(/\W/g, '_')}:panel_${e.panelId}_${e.refId}`,
    expr: plainPromql(e.expr),
  }));
  return stringify({ groups: [{ name: 'dashboard-expressions', rules }] });
}

function main(): number {
  const root = workspaceRoot();
  const dir = join(root, 'deploy/observability');
  const known = knownMetrics(root);
  const names = seriesNames(known);
  log(`${known.size} metrics known from the code and prom-client's defaults`);
  const problems: string[] = [];

  const expressions: DashboardExpression[] = [];
  const files = readdirSync(join(dir, 'dashboards'))
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const f of files) {
    const report = dashboardProblems(
      `dashboards/${f}`,
      readFileSync(join(dir, 'dashboards', f), 'utf8'),
      names,
    );
    problems.push(...report.problems);
    expressions.push(...report.expressions);
    log(`dashboards/${f}: ${report.panels} panels, ${report.expressions.length} expressions`);
  }

  const alerts = parse(readFileSync(join(dir, 'alerts.yml'), 'utf8')) as RuleFile;
  const rules = alerts.groups.flatMap((g) => g.rules);
  for (const r of rules) {
    for (const name of seriesIn(r.expr)) {
      if (!names.has(name))
        problems.push(`alerts.yml ${r.alert ?? r.record}: names ${name}, which no code defines`);
    }
  }
  log(`alerts.yml: ${rules.length} rules`);

  if (!promtoolAvailable()) {
    for (const p of problems) log(`PROBLEM ${p}`);
    const why = 'promtool not found (Debian: apt-get install prometheus)';
    if (process.env.CI === 'true') {
      log(`${why}: CI needs it`);
      return 1;
    }
    log(`${why}: promtool checks SKIPPED; structural checks ${problems.length ? 'FAILED' : 'passed'}`);
    return problems.length ? 1 : 0;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'wxpay-observability-'));
  try {
    writeFileSync(join(tmp, 'dashboard-expressions.yml'), dashboardRules(expressions));
    const runs: [string, string[], string][] = [
      ['check config prometheus.yml', ['check', 'config', 'prometheus.yml'], dir],
      ['check rules alerts.yml', ['check', 'rules', 'alerts.yml'], dir],
      ['test rules alerts.test.yml', ['test', 'rules', 'alerts.test.yml'], dir],
      ['check rules (dashboard expressions)', ['check', 'rules', 'dashboard-expressions.yml'], tmp],
    ];
    for (const [what, args, cwd] of runs) {
      const r = promtool(args, cwd);
      log(`promtool ${what}: ${r.ok ? 'ok' : 'FAILED'}`);
      for (const line of r.output.split('\n')) console.log(`  ${line}`);
      if (!r.ok) problems.push(`promtool ${what} failed`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const p of problems) log(`PROBLEM ${p}`);
  log(problems.length ? `${problems.length} problem(s)` : 'all checks passed');
  return problems.length ? 1 : 0;
}

process.exit(main());
