import { captureLogger } from '@wxpay/testing';
import { DecisionBacklogError, type DecisionRecord } from '../src/domain/decisions/decision-record';
import { DecisionRecorder, type DecisionBatchWriter } from '../src/persistence/decision-recorder';

const record = (i: number) => ({ decisionId: `d-${i}` }) as unknown as DecisionRecord;

class FakeWriter implements DecisionBatchWriter {
  batches: string[][] = [];
  failures = 0;
  gate?: Promise<void>;
  async write(batch: readonly DecisionRecord[]): Promise<void> {
    await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('database down');
    }
    this.batches.push(batch.map((d) => d.decisionId));
  }
}

describe('DecisionRecorder: bounded buffer, batched and durable off the synchronous path', () => {
  const { logger } = captureLogger('fatal');

  it('writes a full batch at once and a partial one after the flush interval, resolving each decision when stored', async () => {
    const writer = new FakeWriter();
    const r = new DecisionRecorder({ writer, logger, batchSize: 3, flushIntervalMs: 5 });
    const stored = [0, 1, 2, 3].map((i) => r.record(record(i)));
    await Promise.all(stored);
    expect(writer.batches).toEqual([['d-0', 'd-1', 'd-2'], ['d-3']]);
    expect(r.backlog).toBe(0);
  });

  it('keeps a failed batch at the head and retries it, in order', async () => {
    const writer = new FakeWriter();
    writer.failures = 2;
    const r = new DecisionRecorder({ writer, logger, batchSize: 10, flushIntervalMs: 1 });
    const stored = [r.record(record(0)), r.record(record(1))];
    await Promise.all(stored);
    expect(writer.batches).toEqual([['d-0', 'd-1']]);
  });

  it('refuses new decisions beyond its bound instead of growing without limit', async () => {
    const writer = new FakeWriter();
    let open!: () => void;
    writer.gate = new Promise((r) => (open = r));
    const r = new DecisionRecorder({ writer, logger, batchSize: 100, flushIntervalMs: 1, maxBuffered: 100 });
    const accepted = Array.from({ length: 100 }, (_, i) => r.record(record(i)));
    expect(() => r.record(record(100))).toThrow(DecisionBacklogError);
    open();
    await Promise.all(accepted);
    await expect(r.record(record(101))).resolves.toBeUndefined();
  });

  it('drains everything on close, and refuses afterwards', async () => {
    const writer = new FakeWriter();
    const r = new DecisionRecorder({ writer, logger, batchSize: 2, flushIntervalMs: 10_000 });
    const stored = Array.from({ length: 5 }, (_, i) => r.record(record(i)));
    await r.close();
    await Promise.all(stored);
    expect(writer.batches.flat()).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4']);
    expect(() => r.record(record(9))).toThrow(DecisionBacklogError);
  });

  it('rejects what it could not store before the close timeout (and says so)', async () => {
    const writer = new FakeWriter();
    writer.failures = 1000;
    const { logger: l, lines } = captureLogger('error');
    const r = new DecisionRecorder({ writer, logger: l, batchSize: 10, flushIntervalMs: 1 });
    const lost = r.record(record(0));
    await r.close(300);
    await expect(lost).rejects.toThrow('not stored before shutdown');
    expect(lines.some((line) => line.includes('decisions could not be stored before shutdown'))).toBe(true);
  });
});
