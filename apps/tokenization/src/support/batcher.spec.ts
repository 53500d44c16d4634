import { Batcher } from './batcher';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('Batcher', () => {
  it('sends the first item at once and batches those that arrive while it is in flight', async () => {
    const calls: number[][] = [];
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        calls.push(items);
        const gate = deferred<void>();
        gates.push(gate);
        await gate.promise;
        return items.map((i) => i * 10);
      },
      { maxInFlight: 1, maxBatch: 3 },
    );
    const results = [1, 2, 3, 4, 5, 6].map((i) => batcher.submit(i));
    expect(calls).toEqual([[1]]);
    gates[0]!.resolve();
    await results[0];
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1], [2, 3, 4]]);
    gates[1]!.resolve();
    await new Promise((r) => setImmediate(r));
    gates[2]!.resolve();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(calls).toEqual([[1], [2, 3, 4], [5, 6]]);
    await batcher.settled();
  });

  it('keeps up to maxInFlight batches going and fails only the batch that failed', async () => {
    let inFlight = 0;
    let most = 0;
    const batcher = new Batcher<number, number>(
      async (items) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (items.includes(13)) throw new Error('unlucky');
        return items;
      },
      { maxInFlight: 2, maxBatch: 4 },
    );
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => batcher.submit(i)));
    expect(most).toBe(2);
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(failed).toContain(13);
    expect(failed.length).toBeLessThanOrEqual(4);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(20 - failed.length);
  });
});
