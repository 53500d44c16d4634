import { UnionPaySecurityError } from '../errors/unionpay-errors';
import { transmissionInstant } from '../profile/beijing-time';

/**
 * The switch's defence against a replayed sign-on (profile §8.1). The signatures already stop a replayed answer
 * (each covers the other side's fresh nonce), but a recorded 0820 verifies again. So the switch admits a sign-on
 * only when its F7 lies within `windowMs` of the switch's clock, and each (institution, client nonce) once
 * within that window: a copy sent later is outside the window, a copy sent sooner names a nonce already seen.
 * The cache holds only the window's nonces; a switch restart empties it, which the window bounds.
 */
export class SignOnReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 5 * 60_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  admit(acquirerId: string, transmissionDateTime: string, clientNonce: string): void {
    const now = this.now();
    const at = transmissionInstant(transmissionDateTime, now);
    if (!at || Math.abs(at.getTime() - now.getTime()) > this.windowMs) {
      throw new UnionPaySecurityError(
        'SIGN_ON_REJECTED',
        `sign-on transmission time (F7) is more than ${this.windowMs / 1000} s from the switch's clock`,
      );
    }
    for (const [key, expires] of this.seen) if (expires <= now.getTime()) this.seen.delete(key);
    const key = `${acquirerId}:${clientNonce}`;
    if (this.seen.has(key)) {
      throw new UnionPaySecurityError('SIGN_ON_REJECTED', 'sign-on nonce seen before: a replayed sign-on');
    }
    // Kept while a copy could still be inside the window: until F7 + window.
    this.seen.set(key, at.getTime() + this.windowMs);
  }
}
