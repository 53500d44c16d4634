import { UnionPaySecurityError } from '../errors/unionpay-errors';
import { transmissionDateTime, transmissionInstant } from '../profile/beijing-time';
import { SignOnReplayGuard } from './sign-on-replay';

describe('sign-on replay guard', () => {
  it('reads F7 in the year nearest the clock, across new year, and refuses dates that do not exist', () => {
    const newYear = new Date('2026-12-31T16:00:30Z'); // 2027-01-01 00:00:30 Beijing
    expect(transmissionInstant('1231235950', newYear)).toEqual(new Date('2026-12-31T15:59:50Z'));
    expect(transmissionInstant('0101000010', newYear)).toEqual(new Date('2026-12-31T16:00:10Z'));
    expect(transmissionInstant('0231120000', newYear)).toBeUndefined();
    expect(transmissionInstant('12312359', newYear)).toBeUndefined();
  });

  it('admits each nonce once within the window, and nothing outside it', () => {
    let now = new Date('2026-12-07T08:00:00Z');
    const guard = new SignOnReplayGuard(5 * 60_000, () => now);
    const f7 = transmissionDateTime(now);
    guard.admit('49990000', f7, 'A'.repeat(32));
    expect(() => guard.admit('49990000', f7, 'A'.repeat(32))).toThrow(/replayed sign-on/);
    expect(() => guard.admit('49990000', f7, 'A'.repeat(32))).toThrow(UnionPaySecurityError);
    guard.admit('49990001', f7, 'A'.repeat(32)); // another institution's nonce is its own
    guard.admit('49990000', f7, 'B'.repeat(32));
    now = new Date(now.getTime() + 5 * 60_000 + 1000);
    // The same copy later: outside the window, whatever the cache still holds.
    expect(() => guard.admit('49990000', f7, 'A'.repeat(32))).toThrow(
      /more than 300 s from the switch's clock/,
    );
    expect(() =>
      guard.admit('49990000', transmissionDateTime(new Date(now.getTime() + 6 * 60_000)), 'C'.repeat(32)),
    ).toThrow(/more than 300 s/);
  });
});
