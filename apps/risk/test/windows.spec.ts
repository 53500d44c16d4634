import { KeyWindow, MAX_EXACT_ENTRIES } from '../src/domain/state/key-window';
import { WindowKind } from '../src/domain/state/window-kinds';
import { WindowStore } from '../src/domain/state/window-store';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-11-25T02:00:00.000Z');
const { ATTEMPT, DECLINE, AUTH } = WindowKind;

describe('KeyWindow (one key’s sliding windows, by event time)', () => {
  it('is an exact sliding window while the key is quiet: (at - span, at]', () => {
    const w = new KeyWindow();
    w.add(ATTEMPT, 1, 100, T0);
    w.add(ATTEMPT, 1, 200, T0 + 5 * MIN);
    w.add(DECLINE, 1, 50, T0 + 6 * MIN);
    expect(w.sum(ATTEMPT, 'count', 10 * MIN, T0 + 9 * MIN)).toBe(2);
    expect(w.sum(ATTEMPT, 'amount', 10 * MIN, T0 + 9 * MIN)).toBe(300);
    expect(w.sum(ATTEMPT, 'count', 10 * MIN, T0 + 10 * MIN)).toBe(1); // the first left exactly at 10 min
    expect(w.sum(DECLINE, 'count', HOUR, T0 + 10 * MIN)).toBe(1);
    expect(w.sum(ATTEMPT, 'count', HOUR, T0 + 4 * MIN)).toBe(1); // reading the past ignores later events
  });

  it('places late (out-of-order) events by their own time, and cancels with negative entries (reversals)', () => {
    const w = new KeyWindow();
    w.add(AUTH, 1, 500, T0 + 30 * MIN);
    w.add(AUTH, 1, 700, T0); // arrives late
    w.add(AUTH, -1, -500, T0 + 31 * MIN); // the first is reversed
    expect(w.sum(AUTH, 'count', 10 * MIN, T0 + 35 * MIN)).toBe(0);
    expect(w.sum(AUTH, 'amount', HOUR, T0 + 35 * MIN)).toBe(700);
    expect(w.sum(AUTH, 'amount', 10 * MIN, T0 + 5 * MIN)).toBe(700);
  });

  it('forgets entries older than 24 h', () => {
    const w = new KeyWindow();
    w.add(ATTEMPT, 1, 1, T0);
    w.add(ATTEMPT, 1, 1, T0 + 25 * HOUR);
    w.prune();
    expect(w.sum(ATTEMPT, 'count', 24 * HOUR, T0 + 25 * HOUR)).toBe(1);
  });

  it('switches a busy key to fixed-size bucket rings without losing its counts', () => {
    const w = new KeyWindow();
    const n = MAX_EXACT_ENTRIES + 36; // 100 events, one every 30 s
    for (let i = 0; i < n; i++) w.add(ATTEMPT, 1, 10, T0 + i * 30_000);
    expect(w.bucketed).toBe(true);
    const last = T0 + (n - 1) * 30_000;
    expect(w.sum(ATTEMPT, 'count', 24 * HOUR, last)).toBe(100);
    expect(w.sum(ATTEMPT, 'amount', HOUR, last)).toBe(1000);
    // minute buckets: a 10-minute window covers the current minute and the nine before it
    expect(w.sum(ATTEMPT, 'count', 10 * MIN, last)).toBe(20);
    w.add(DECLINE, 1, 0, last - 20 * MIN); // late event into an older bucket
    expect(w.sum(DECLINE, 'count', HOUR, last)).toBe(1);
    expect(w.sum(DECLINE, 'count', 10 * MIN, last)).toBe(0);
    // two hours later the hour window is empty, the day window is not
    expect(w.sum(ATTEMPT, 'count', HOUR, last + 2 * HOUR)).toBe(0);
    expect(w.sum(ATTEMPT, 'count', 24 * HOUR, last + 2 * HOUR)).toBe(100);
    expect(w.sum(ATTEMPT, 'count', 24 * HOUR, last + 26 * HOUR)).toBe(0);
  });

  it('keeps a key exact when old entries can be pruned to make room', () => {
    const w = new KeyWindow();
    for (let i = 0; i < MAX_EXACT_ENTRIES; i++) w.add(ATTEMPT, 1, 1, T0 + i * MIN);
    w.add(ATTEMPT, 1, 1, T0 + 30 * HOUR); // everything before has left the 24 h horizon
    expect(w.bucketed).toBe(false);
    expect(w.sum(ATTEMPT, 'count', 24 * HOUR, T0 + 30 * HOUR)).toBe(1);
  });
});

describe('WindowStore (bounded memory)', () => {
  it('sums per entity and key; unknown keys read 0', () => {
    const s = new WindowStore();
    s.add('card', 'c1', ATTEMPT, 1, 100, T0);
    s.add('device', 'd1', ATTEMPT, 1, 100, T0);
    s.add('card', '', ATTEMPT, 1, 100, T0); // missing key: ignored
    expect(s.sum('card', 'c1', ATTEMPT, 'count', HOUR, T0)).toBe(1);
    expect(s.sum('card', 'c2', ATTEMPT, 'count', HOUR, T0)).toBe(0);
    expect(s.stats().keys).toEqual({ card: 1, device: 1, ip: 0, merchant: 0 });
  });

  it('evicts idle keys (latest event older than 24 h) on sweep', () => {
    const s = new WindowStore();
    s.add('card', 'old', ATTEMPT, 1, 1, T0);
    s.add('card', 'recent', ATTEMPT, 1, 1, T0 + 20 * HOUR);
    expect(s.sweep(T0 + 25 * HOUR)).toBe(1);
    expect(s.stats().keys.card).toBe(1);
    expect(s.sum('card', 'recent', ATTEMPT, 'count', 24 * HOUR, T0 + 25 * HOUR)).toBe(1);
  });

  it('never holds more than its cap: idle keys go first, then the oldest-inserted, counted', () => {
    const s = new WindowStore(1000);
    for (let i = 0; i < 1000; i++) s.add('ip', `old-${i}`, ATTEMPT, 1, 1, T0);
    s.add('ip', 'new-1', ATTEMPT, 1, 1, T0 + 25 * HOUR); // the old ones are idle by now
    expect(s.stats()).toMatchObject({ keys: { ip: 1 }, evicted: 0 });
    for (let i = 0; i < 1500; i++) s.add('ip', `live-${i}`, ATTEMPT, 1, 1, T0 + 25 * HOUR);
    const { keys, evicted } = s.stats();
    expect(keys.ip).toBeLessThanOrEqual(1000);
    expect(evicted).toBeGreaterThan(0);
    expect(s.sum('ip', 'live-1499', ATTEMPT, 'count', HOUR, T0 + 25 * HOUR)).toBe(1);
  });
});
