import { DekCache } from './dek-cache';

describe('data-key cache', () => {
  it('is bounded, expires entries, and wipes evicted keys', () => {
    let now = 0;
    const cache = new DekCache(2, 1000, () => now);
    const a = Buffer.alloc(16, 1);
    cache.put('a', a);
    cache.put('b', Buffer.alloc(16, 2));
    const held = cache.get('a')!;
    cache.put('c', Buffer.alloc(16, 3));
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(held.every((b) => b === 0)).toBe(true);
    expect(a.every((b) => b === 1)).toBe(true); // the cache keeps its own copy
    now = 1000;
    expect(cache.get('b')).toBeUndefined();
    cache.forget('c');
    expect(cache.size).toBe(0);
  });

  it('holds nothing when sized 0', () => {
    const cache = new DekCache(0, 1000);
    cache.put('a', Buffer.alloc(16, 1));
    expect(cache.get('a')).toBeUndefined();
  });
});
