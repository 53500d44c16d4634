import { DEFAULT_FX_RATES } from '../src/domain/engine/fx-rates';
import { formatReport, runBacktest } from '../src/cli/backtest-runner';
import { CANDIDATE_RULES_FILE, DEFAULT_RULES_FILE, loadRuleFile, MIN, T0 } from './support/engine-fixtures';

const at = (ms: number) => new Date(ms).toISOString();
const CARD = 'tok_backtestbacktestbacktestbb';
const request = (i: number, o: Record<string, unknown> = {}) => ({
  attempt_id: `pay-${i}`,
  card_token: CARD,
  amount_minor: '3200',
  currency: 'CNY',
  merchant_id: 'mch-1',
  mcc: '5814',
  scene: 'ONLINE',
  payer_id: 'openid-1',
  device_id: 'dev-1',
  occurred_at: at(T0 + i * MIN),
  ...o,
});
const failed = (i: number) => ({
  id: `00000000-0000-4000-8000-00000000000${i}`,
  type: 'PaymentFailed',
  version: 1,
  occurredAt: at(T0 + i * MIN),
  aggregateId: `p${i}`,
  traceId: 't',
  payload: {
    paymentId: `p${i}`,
    cardToken: CARD,
    amount: { minor: 100, currency: 'CNY' },
    merchantId: 'mch-1',
  },
});

describe('backtest', () => {
  const baseline = loadRuleFile(DEFAULT_RULES_FILE);
  const candidate = loadRuleFile(CANDIDATE_RULES_FILE);

  it('replays attempts and lifecycle events in event-time order and reports the differences', () => {
    // Written out of order on purpose: the replay sorts by event time.
    const lines = [
      ...[5, 4, 3, 2, 1, 0].map((i) => JSON.stringify(request(i, i === 3 ? { label: 'FRAUD' } : {}))),
      ...[0, 1, 2, 3, 4].map((i) => JSON.stringify(failed(i))),
      '',
      'not json',
      JSON.stringify({ type: 'PaymentCreated', occurredAt: at(T0), payload: {} }),
    ];
    const report = runBacktest(lines, baseline, candidate, DEFAULT_FX_RATES);
    expect(report).toMatchObject({ attempts: 6, facts: 5, ignored: 1, changed: 2 });
    // both: REVIEW from the 3rd decline; baseline rejects the 6th attempt in 10 minutes, the candidate the 4th
    expect(report.baseline.decisions).toEqual({ APPROVE: 2, REVIEW: 3, REJECT: 1 });
    expect(report.candidate.decisions).toEqual({ APPROVE: 2, REVIEW: 1, REJECT: 3 });
    expect(report.transitions).toEqual({
      'APPROVE→APPROVE': 2,
      'REVIEW→REVIEW': 1,
      'REVIEW→REJECT': 2,
      'REJECT→REJECT': 1,
    });
    expect(report.baseline.alerts).toEqual({ REPEATED_DECLINES: 1 });
    expect(report.baseline.byLabel).toEqual({ FRAUD: { APPROVE: 0, REVIEW: 1, REJECT: 0 } });
    expect(report.examples.map((e) => [e.attemptId, e.baseline.decision, e.candidate.decision])).toEqual([
      ['pay-3', 'REVIEW', 'REJECT'],
      ['pay-4', 'REVIEW', 'REJECT'],
    ]);
    expect(report.candidate.byLabel).toEqual({ FRAUD: { APPROVE: 0, REVIEW: 0, REJECT: 1 } });
    expect(report.errors).toEqual([{ line: 13, error: expect.stringContaining('JSON') }]);
    const text = formatReport(report);
    expect(text).toContain('decisions that differ: 2 of 6 (33.3%)');
    expect(text).toContain('REVIEW→REJECT: 2');
    expect(text).toContain('VELOCITY_CARD_10M: 1 → 3');
  });

  it('gives the same answer whatever the order of the log', () => {
    const lines = [
      ...[0, 1, 2, 3, 4, 5].map((i) => JSON.stringify(request(i))),
      ...[0, 1, 2].map((i) => JSON.stringify(failed(i))),
    ];
    const a = runBacktest(lines, baseline, candidate, DEFAULT_FX_RATES);
    const b = runBacktest([...lines].reverse(), baseline, candidate, DEFAULT_FX_RATES);
    expect({ ...b, seconds: 0, examples: [], errors: [] }).toEqual({
      ...a,
      seconds: 0,
      examples: [],
      errors: [],
    });
  });
});
