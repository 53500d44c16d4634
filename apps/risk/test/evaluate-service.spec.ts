import { DEFAULT_FX_RATES } from '../src/domain/engine/fx-rates';
import { type DecisionRecord, type DecisionSink } from '../src/domain/decisions/decision-record';
import { EvaluateService } from '../src/use-cases/evaluate.service';
import { attempt, engineWith, MIN, T0 } from './support/engine-fixtures';

class ManualSink implements DecisionSink {
  records: DecisionRecord[] = [];
  private waiters: (() => void)[] = [];
  record(d: DecisionRecord): Promise<void> {
    this.records.push(d);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  commit(): void {
    this.waiters.splice(0).forEach((w) => w());
  }
}

describe('EvaluateService', () => {
  it('counts a retried attempt id once and answers it with the first decision', async () => {
    const { engine, state } = engineWith();
    const sink = new ManualSink();
    const svc = new EvaluateService({
      engine,
      sink,
      fx: DEFAULT_FX_RATES,
      durability: 'async',
      clock: () => T0,
    });
    const a = attempt({ attemptId: 'pay-1' });
    const first = await svc.evaluate(a);
    const second = await svc.evaluate({ ...a });
    expect(second.decisionId).toBe(first.decisionId);
    expect(sink.records).toHaveLength(1);
    expect(state.windows.sum('card', a.cardToken, 0, 'count', 10 * MIN, T0)).toBe(1);
    await svc.evaluate(attempt({ attemptId: 'pay-2' }));
    expect(sink.records).toHaveLength(2);
  });

  it('answers at once in async mode, and only once the decision is stored in sync mode', async () => {
    const { engine } = engineWith();
    const sink = new ManualSink();
    const asyncSvc = new EvaluateService({ engine, sink, fx: DEFAULT_FX_RATES, durability: 'async' });
    await expect(asyncSvc.evaluate(attempt())).resolves.toMatchObject({ verdict: { decision: 'APPROVE' } });
    const syncSvc = new EvaluateService({ engine, sink, fx: DEFAULT_FX_RATES, durability: 'sync' });
    let answered = false;
    const pending = syncSvc.evaluate(attempt()).then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    sink.commit();
    await pending;
    expect(answered).toBe(true);
  });
});
