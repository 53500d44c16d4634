import { dashboardProblems, plainPromql } from './dashboard-rules';
import { seriesIn } from './promql-names';

const known = new Set(['grpc_server_seconds_bucket', 'grpc_server_seconds_count', 'wxpay_ready', 'up']);
const ds = { type: 'prometheus', uid: '${datasource}' };
const panel = (id: number, expr: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'timeseries',
  title: `panel ${id}`,
  description: 'what it shows',
  datasource: ds,
  targets: [{ refId: 'A', expr }],
  ...extra,
});
const check = (d: unknown) => dashboardProblems('d.json', JSON.stringify(d), known);

describe('dashboard validator', () => {
  it('reads the series names of an expression, not its functions, labels, keywords or durations', () => {
    expect(
      seriesIn(
        plainPromql(
          'histogram_quantile(0.99, sum by (le, method) (rate(grpc_server_seconds_bucket{service="risk",code=~"2|4"}[$__rate_interval]))) > 1e3 and on (service) wxpay_ready offset 5m',
        ),
      ).sort(),
    ).toEqual(['grpc_server_seconds_bucket', 'wxpay_ready']);
  });

  it('accepts a well-formed dashboard', () => {
    const report = check({
      uid: 'u',
      title: 't',
      schemaVersion: 39,
      panels: [{ id: 1, type: 'row', title: 'r' }, panel(2, 'min(wxpay_ready)')],
    });
    expect(report.problems).toEqual([]);
    expect(report.panels).toBe(1);
    expect(report.expressions.map((e) => e.expr)).toEqual(['min(wxpay_ready)']);
  });

  it('reports duplicate ids, a missing datasource, targets or description, an unknown series and an old schema', () => {
    const report = check({
      uid: 'u',
      title: 't',
      schemaVersion: 16,
      panels: [
        panel(1, 'up'),
        panel(1, 'wxpay_readiness'),
        panel(3, 'up', { datasource: undefined, description: '' }),
        panel(4, 'up', { targets: [] }),
      ],
    });
    expect(report.problems).toEqual([
      'd.json: schemaVersion must be a number ≥ 36',
      'd.json panel 1 "panel 1": duplicate panel id',
      'd.json panel 1 "panel 1": A names wxpay_readiness, which no code defines',
      'd.json panel 3 "panel 3": no description',
      'd.json panel 3 "panel 3": datasource must be { type: "prometheus", uid }',
      'd.json panel 4 "panel 4": no targets',
    ]);
    expect(dashboardProblems('x.json', '{', known).problems[0]).toMatch(/^x\.json: not JSON/);
  });
});
