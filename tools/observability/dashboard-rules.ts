import { seriesIn } from './promql-names';

/** The oldest dashboard JSON model the dashboards are written for (Grafana 10.4 writes 39). */
export const MIN_SCHEMA_VERSION = 36;

export interface DashboardExpression {
  dashboard: string;
  panelId: number;
  panelTitle: string;
  refId: string;
  /** As written, Grafana's interval variables included. */
  expr: string;
}

export interface DashboardReport {
  problems: string[];
  expressions: DashboardExpression[];
  panels: number;
}

interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  description?: unknown;
  datasource?: unknown;
  targets?: unknown;
  panels?: unknown;
}

/** Grafana's interval variables, replaced by a duration so the expression parses as plain PromQL. */
export function plainPromql(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$\{__rate_interval\}|\$\{__interval\}/g, '5m');
}

/**
 * One dashboard's problems: the JSON parses, carries a schemaVersion Grafana still reads, its panel ids are unique,
 * every panel but a row has a title, a description (the README's panel list is written from them), a Prometheus
 * datasource and at least one target with an expression, and every expression names only series in `known`.
 */
export function dashboardProblems(file: string, text: string, known: ReadonlySet<string>): DashboardReport {
  const problems: string[] = [];
  const expressions: DashboardExpression[] = [];
  let dashboard: { schemaVersion?: unknown; panels?: unknown; uid?: unknown; title?: unknown };
  try {
    dashboard = JSON.parse(text) as typeof dashboard;
  } catch (e) {
    return {
      problems: [`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`],
      expressions,
      panels: 0,
    };
  }
  if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < MIN_SCHEMA_VERSION) {
    problems.push(`${file}: schemaVersion must be a number ≥ ${MIN_SCHEMA_VERSION}`);
  }
  if (typeof dashboard.uid !== 'string' || !dashboard.uid) problems.push(`${file}: no uid`);
  if (typeof dashboard.title !== 'string' || !dashboard.title) problems.push(`${file}: no title`);
  if (!Array.isArray(dashboard.panels) || dashboard.panels.length === 0) {
    problems.push(`${file}: no panels`);
    return { problems, expressions, panels: 0 };
  }
  const flat = (dashboard.panels as Panel[]).flatMap((p) => [
    p,
    ...(Array.isArray(p.panels) ? (p.panels as Panel[]) : []),
  ]);
  const ids = new Set<unknown>();
  let panels = 0;
  for (const p of flat) {
    const where = `${file} panel ${JSON.stringify(p.id)} "${String(p.title ?? '')}"`;
    if (typeof p.id !== 'number') problems.push(`${where}: id must be a number`);
    else if (ids.has(p.id)) problems.push(`${where}: duplicate panel id`);
    ids.add(p.id);
    if (p.type === 'row') continue;
    panels++;
    if (typeof p.title !== 'string' || !p.title) problems.push(`${where}: no title`);
    if (typeof p.description !== 'string' || !p.description) problems.push(`${where}: no description`);
    const ds = p.datasource as { type?: unknown; uid?: unknown } | undefined;
    if (!ds || ds.type !== 'prometheus' || typeof ds.uid !== 'string') {
      problems.push(`${where}: datasource must be { type: "prometheus", uid }`);
    }
    const targets = Array.isArray(p.targets) ? (p.targets as { expr?: unknown; refId?: unknown }[]) : [];
    if (targets.length === 0) problems.push(`${where}: no targets`);
    for (const t of targets) {
      if (typeof t.expr !== 'string' || !t.expr.trim()) {
        problems.push(`${where}: target ${String(t.refId)} has no expression`);
        continue;
      }
      expressions.push({
        dashboard: file,
        panelId: Number(p.id),
        panelTitle: String(p.title),
        refId: String(t.refId),
        expr: t.expr,
      });
      for (const name of seriesIn(plainPromql(t.expr))) {
        if (!known.has(name))
          problems.push(`${where}: ${String(t.refId)} names ${name}, which no code defines`);
      }
    }
  }
  return { problems, expressions, panels };
}
