import {
  decideAfterFailure,
  insideNoticeWindow,
  intoNoticeWindow,
  nextBalanceSlot,
  planRun,
  targetAmount,
  type FailureContext,
} from '../src/domain/schedule/schedule-policy';
import { classifyDecline } from '../src/domain/schedule/decline-class';
import { atBeijing, beijingDateOf } from '../src/domain/schedule/beijing-calendar';

const times = { noticeAt: '10:00', deductAt: '09:00', lastChanceAt: '10:00', cutoffAt: '20:00' };
const cst = (s: string) => new Date(`${s}+08:00`);

describe('Beijing calendar', () => {
  it('reads dates and times in UTC+8 whatever the UTC date', () => {
    expect(beijingDateOf(new Date('2026-11-30T16:30:00Z'))).toBe('2026-12-01');
    expect(atBeijing('2026-12-01', '07:00').toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });
});

describe('the notice window (07:00–22:00 Beijing)', () => {
  it('keeps a time inside it and moves one outside to the next opening', () => {
    expect(insideNoticeWindow(cst('2026-12-01T07:00:00'))).toBe(true);
    expect(insideNoticeWindow(cst('2026-12-01T21:59:59'))).toBe(true);
    expect(intoNoticeWindow(cst('2026-12-01T22:00:00')).toISOString()).toBe(
      cst('2026-12-02T07:00:00').toISOString(),
    );
    expect(intoNoticeWindow(cst('2026-12-01T03:15:00')).toISOString()).toBe(
      cst('2026-12-01T07:00:00').toISOString(),
    );
  });
});

describe('planRun', () => {
  it('plans the deduction days before the due date and the notice two days before it', () => {
    const p = planRun(cst('2026-12-01T12:00:00'), '2026-12-20', 3, times);
    expect(p.noticeAt.toISOString()).toBe(cst('2026-12-15T10:00:00').toISOString());
    expect(p.deductAt.toISOString()).toBe(cst('2026-12-17T09:00:00').toISOString());
    expect(p.deductDays).toBe(3);
    expect(p.lastChanceAt.toISOString()).toBe(cst('2026-12-19T10:00:00').toISOString());
    expect(p.cutoff.toISOString()).toBe(cst('2026-12-19T20:00:00').toISOString());
  });

  it('ends the deduction days on the due date when it is within three days', () => {
    const p = planRun(cst('2026-12-01T12:00:00'), '2026-12-20', 1, times);
    expect(p.deductAt.toISOString()).toBe(cst('2026-12-19T09:00:00').toISOString());
    expect(p.deductDays).toBe(2);
    expect(p.cutoff.toISOString()).toBe(cst('2026-12-20T20:00:00').toISOString());
  });

  it('moves a late statement forward: notice into the window now, deduction after the waiting period', () => {
    const p = planRun(cst('2026-12-18T23:30:00'), '2026-12-20', 3, times);
    expect(p.noticeAt.toISOString()).toBe(cst('2026-12-19T07:00:00').toISOString());
    expect(p.deductAt.toISOString()).toBe(cst('2026-12-21T09:00:00').toISOString());
    expect(p.deductDays).toBe(1);
  });
});

describe('targetAmount', () => {
  it('takes the amount due, the minimum, or the fixed amount kept between them', () => {
    expect(targetAmount('FULL', 500_00, 50_00, null)).toBe(500_00);
    expect(targetAmount('MINIMUM', 500_00, 50_00, null)).toBe(50_00);
    expect(targetAmount('FIXED', 500_00, 50_00, 100_00)).toBe(100_00);
    expect(targetAmount('FIXED', 500_00, 50_00, 10_00)).toBe(50_00);
    expect(targetAmount('FIXED', 500_00, 50_00, 900_00)).toBe(500_00);
  });
});

describe('decideAfterFailure', () => {
  const plan = { lastChanceAt: cst('2026-12-19T10:00:00'), cutoff: cst('2026-12-19T20:00:00') };
  const base = (over: Partial<FailureContext>): FailureContext => ({
    now: cst('2026-12-17T09:00:00'),
    declineClass: 'INSUFFICIENT_BALANCE',
    amount: 500_00,
    minimumDue: 50_00,
    isFallback: false,
    balanceFailuresAtAmount: 1,
    channelFailures: 0,
    plan,
    times,
    fullAttempts: 3,
    ...over,
  });

  it('stops when the contract ended, whatever else is true', () => {
    expect(decideAfterFailure(base({ declineClass: 'CONTRACT_ENDED' }))).toEqual({
      kind: 'stop',
      reason: 'CONTRACT_ENDED',
    });
  });

  it('retries an insufficient balance later the same day, then the next morning', () => {
    expect(decideAfterFailure(base({}))).toEqual({
      kind: 'retry',
      at: cst('2026-12-17T13:00:00'),
      fallback: false,
    });
    expect(nextBalanceSlot(cst('2026-12-17T17:00:00'), times).toISOString()).toBe(
      cst('2026-12-18T09:00:00').toISOString(),
    );
  });

  it('falls back to the minimum after the full amount failed fullAttempts times', () => {
    expect(decideAfterFailure(base({ balanceFailuresAtAmount: 3 }))).toEqual({
      kind: 'retry',
      at: cst('2026-12-17T13:00:00'),
      fallback: true,
    });
  });

  it('falls back at the last chance when the next slot would pass it', () => {
    const eve = decideAfterFailure(base({ now: cst('2026-12-18T17:00:00') }));
    expect(eve).toEqual({ kind: 'retry', at: cst('2026-12-19T09:00:00'), fallback: false });
    const lastMorning = decideAfterFailure(
      base({ now: cst('2026-12-19T09:00:00'), balanceFailuresAtAmount: 2 }),
    );
    expect(lastMorning).toEqual({ kind: 'retry', at: cst('2026-12-19T10:00:00'), fallback: true });
  });

  it('gives up when the fallback itself fails past the cutoff', () => {
    const d = decideAfterFailure(base({ now: cst('2026-12-19T18:00:00'), isFallback: true, amount: 50_00 }));
    expect(d).toEqual({ kind: 'stop', reason: 'EXHAUSTED' });
  });

  it('backs off channel errors exponentially and stops unclassified ones after three', () => {
    expect(decideAfterFailure(base({ declineClass: 'CHANNEL', channelFailures: 1 }))).toEqual({
      kind: 'retry',
      at: cst('2026-12-17T09:05:00'),
      fallback: false,
    });
    expect(decideAfterFailure(base({ declineClass: 'CHANNEL', channelFailures: 3 }))).toEqual({
      kind: 'retry',
      at: cst('2026-12-17T09:20:00'),
      fallback: false,
    });
    expect(decideAfterFailure(base({ declineClass: 'OTHER', channelFailures: 3 }))).toEqual({
      kind: 'stop',
      reason: 'EXHAUSTED',
    });
  });
});

describe('classifyDecline', () => {
  it('reads WeChat codes first, then the description', () => {
    expect(classifyDecline('NOTENOUGH', undefined)).toBe('INSUFFICIENT_BALANCE');
    expect(classifyDecline(undefined, '用户余额不足')).toBe('INSUFFICIENT_BALANCE');
    expect(classifyDecline('INVALID_REQUEST', '签约关系已解除')).toBe('CONTRACT_ENDED');
    expect(classifyDecline('SYSTEM_ERROR', 'x')).toBe('CHANNEL');
    expect(classifyDecline('RULE_LIMIT', '未预约扣费')).toBe('LIMIT');
    expect(classifyDecline(undefined, 'something else')).toBe('OTHER');
  });
});
