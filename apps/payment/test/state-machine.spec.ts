import {
  canTransition,
  HOLD_STATUSES,
  IllegalTransitionError,
  assertTransition,
  TERMINAL_STATUSES,
  TRANSITIONS,
  type PaymentStatus,
} from '../src/domain/payment-status';
import { REFUND_TRANSITIONS } from '../src/domain/refund-status';

const ALL = Object.keys(TRANSITIONS) as PaymentStatus[];

function reachableFrom(start: PaymentStatus): Set<PaymentStatus> {
  const seen = new Set<PaymentStatus>([start]);
  const queue = [start];
  for (let s = queue.shift(); s; s = queue.shift()) {
    for (const next of TRANSITIONS[s]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('payment state machine', () => {
  it('reaches every state from CREATED and every state can end at rest', () => {
    expect([...reachableFrom('CREATED')].sort()).toEqual([...ALL].sort());
    for (const s of ALL) {
      const ends = [...reachableFrom(s)].filter((x) => TERMINAL_STATUSES.includes(x) || x === 'CAPTURED');
      expect({ s, canEnd: ends.length > 0 }).toEqual({ s, canEnd: true });
    }
  });

  it('has no way out of a terminal state', () => {
    for (const s of TERMINAL_STATUSES) expect(TRANSITIONS[s]).toEqual([]);
  });

  it("leaves a refused capture only to try the capture again (an operator's RetryCapture)", () => {
    expect(TRANSITIONS.CAPTURE_FAILED).toEqual(['PAYER_PAID']);
    expect(TERMINAL_STATUSES).not.toContain('CAPTURE_FAILED');
  });

  it('never goes back to asking for an authorisation once one may exist', () => {
    for (const s of [...HOLD_STATUSES, 'AUTH_UNKNOWN' as const]) {
      expect(reachableFrom(s).has('AUTHORIZING')).toBe(false);
    }
  });

  it('resolves an unknown authorisation only by failing (after its reversal)', () => {
    expect(TRANSITIONS.AUTH_UNKNOWN).toEqual(['FAILED']);
  });

  it('captures only after the payer paid, and releases a hold only through REVERSING', () => {
    const into = (target: PaymentStatus) => ALL.filter((s) => canTransition(s, target));
    expect(into('CAPTURED')).toEqual(['PAYER_PAID']);
    expect(into('REVERSED')).toEqual(['REVERSING']);
  });

  it('refuses an illegal transition with a typed error', () => {
    expect(() => assertTransition('CAPTURED', 'REVERSED')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('AWAITING_PAYER', 'PAYER_PAID')).not.toThrow();
  });

  it('ends every refund in SUCCEEDED or FAILED', () => {
    expect(REFUND_TRANSITIONS.REFUND_SUCCEEDED).toEqual([]);
    expect(REFUND_TRANSITIONS.REFUND_FAILED).toEqual([]);
    // Once WeChat Pay refunded, the card must be credited: no way to fail from there.
    expect(REFUND_TRANSITIONS.REFUND_CHANNEL).toEqual(['REFUND_SUCCEEDED']);
  });
});
