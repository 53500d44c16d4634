import { WriteBatcher } from './write-batcher';

describe('WriteBatcher', () => {
  it('writes concurrent submissions together and answers each with its own result', async () => {
    const batches: number[][] = [];
    const b = new WriteBatcher<number, number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return items.map((i) => i * 10);
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => b.submit(i)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
    expect(batches.length).toBeLessThan(5);
    expect(batches.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('fails every submission of a failed batch, and keeps going afterwards', async () => {
    let fail = true;
    const b = new WriteBatcher<number, number>(async (items) => {
      if (fail) throw new Error('database down');
      return items;
    });
    await expect(Promise.all([b.submit(1), b.submit(2)])).rejects.toThrow('database down');
    fail = false;
    await expect(b.submit(3)).resolves.toBe(3);
  });

  it('caps the batch size', async () => {
    const sizes: number[] = [];
    const b = new WriteBatcher<number, number>(
      async (items) => {
        sizes.push(items.length);
        return items;
      },
      10,
      1,
    );
    await Promise.all(Array.from({ length: 35 }, (_, i) => b.submit(i)));
    expect(Math.max(...sizes)).toBe(10);
  });
});
