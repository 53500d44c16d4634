import { type DeclineClass } from '@wxpay/contracts';
import {
  addDays,
  atBeijing,
  beijingDateOf,
  beijingMinuteOfDay,
  daysBetween,
  minutesOf,
} from './beijing-calendar';

/** WeChat Pay accepts the pre-deduction notice only 07:00–22:00 Beijing time (fact sheet §6.1). */
export const NOTICE_WINDOW = { from: '07:00', to: '22:00' } as const;
/** The notice day and the next are a waiting period in which the payer may object; deductions start on day 3. */
export const NOTICE_WAITING_DAYS = 2;
/** A notice authorises deductions on at most this many days (deduct_duration.count 1–3). */
export const MAX_DEDUCT_DAYS = 3;

export interface ScheduleTimes {
  /** Beijing HH:MM */
  noticeAt: string;
  deductAt: string;
  lastChanceAt: string;
  cutoffAt: string;
}

export interface RunPlan {
  noticeAt: Date;
  deductAt: Date;
  /** Days the notice authorises deductions on, from the deduction day. */
  deductDays: number;
  /** When the fallback to the minimum due is tried at the latest. */
  lastChanceAt: Date;
  /** No deduction after this. */
  cutoff: Date;
}

/** `t` when WeChat Pay accepts a notice then, else the next opening of the window. */
export function intoNoticeWindow(t: Date): Date {
  const minute = beijingMinuteOfDay(t);
  if (minute < minutesOf(NOTICE_WINDOW.from)) return atBeijing(beijingDateOf(t), NOTICE_WINDOW.from);
  if (minute >= minutesOf(NOTICE_WINDOW.to))
    return atBeijing(addDays(beijingDateOf(t), 1), NOTICE_WINDOW.from);
  return t;
}

export function insideNoticeWindow(t: Date): boolean {
  return intoNoticeWindow(t).getTime() === t.getTime();
}

/**
 * When a statement's notice and deduction happen. The deduction is planned `daysBeforeDue` before the due date;
 * the notice goes out two days earlier (the waiting period). A statement that arrives too late for that moves
 * both forward: the notice as soon as the window allows, the deduction to the first day after the waiting
 * period, even past the due date (late repayment beats none). Retries and the fallback stay inside the days
 * the notice authorises, which end on the due date at the latest.
 */
export function planRun(now: Date, dueDate: string, daysBeforeDue: number, times: ScheduleTimes): RunPlan {
  const plannedDay = addDays(dueDate, -daysBeforeDue);
  let noticeAt = atBeijing(addDays(plannedDay, -NOTICE_WAITING_DAYS), times.noticeAt);
  if (noticeAt < now) noticeAt = intoNoticeWindow(now);
  const earliestDeductDay = addDays(beijingDateOf(noticeAt), NOTICE_WAITING_DAYS);
  const deductDay = plannedDay > earliestDeductDay ? plannedDay : earliestDeductDay;
  const windowEnd = addDays(deductDay, MAX_DEDUCT_DAYS - 1);
  const lastDay = dueDate < deductDay ? deductDay : windowEnd < dueDate ? windowEnd : dueDate;
  const deductAt = atBeijing(deductDay, times.deductAt);
  const lastChance = atBeijing(lastDay, times.lastChanceAt);
  return {
    noticeAt,
    deductAt,
    deductDays: daysBetween(deductDay, lastDay) + 1,
    lastChanceAt: lastChance < deductAt ? deductAt : lastChance,
    cutoff: atBeijing(lastDay, times.cutoffAt),
  };
}

export type Mode = 'FULL' | 'MINIMUM' | 'FIXED';

/** What a cycle aims to repay: the amount due, the minimum due, or the fixed amount kept between the two. */
export function targetAmount(
  mode: Mode,
  amountDue: number,
  minimumDue: number,
  fixed: number | null,
): number {
  if (mode === 'FULL') return amountDue;
  if (mode === 'MINIMUM') return minimumDue;
  const f = fixed ?? 0;
  return Math.min(amountDue, Math.max(minimumDue, f));
}

export interface FailureContext {
  now: Date;
  declineClass: DeclineClass;
  /** Amount of the attempt that failed, and the statement's minimum due. */
  amount: number;
  minimumDue: number;
  /** This attempt was already the fallback to the minimum. */
  isFallback: boolean;
  /** Failed attempts at this amount for insufficient balance, including this one. */
  balanceFailuresAtAmount: number;
  /** Consecutive channel / unclassified failures, including this one. */
  channelFailures: number;
  plan: Pick<RunPlan, 'lastChanceAt' | 'cutoff'>;
  times: ScheduleTimes;
  fullAttempts: number;
}

export type NextStep =
  { kind: 'stop'; reason: 'CONTRACT_ENDED' | 'EXHAUSTED' } | { kind: 'retry'; at: Date; fallback: boolean };

const BALANCE_RETRY_MS = 4 * 3600_000;
const CHANNEL_BACKOFF_MS = 5 * 60_000;
const CHANNEL_BACKOFF_MAX_MS = 2 * 3600_000;
const MAX_UNCLASSIFIED_FAILURES = 3;

/** The next time to try after an insufficient balance: later today, else the next morning. */
export function nextBalanceSlot(now: Date, times: ScheduleTimes): Date {
  const later = new Date(now.getTime() + BALANCE_RETRY_MS);
  const sameDay = beijingDateOf(later) === beijingDateOf(now);
  if (sameDay && beijingMinuteOfDay(later) <= minutesOf(times.cutoffAt)) return later;
  return atBeijing(addDays(beijingDateOf(now), 1), times.deductAt);
}

/**
 * What follows a failed deduction, by decline class: a revoked contract stops the run; insufficient balance
 * retries later that day and the next days, then falls back to the minimum due (after `fullAttempts` failures,
 * or at the last chance, whichever comes first); channel errors back off exponentially; nothing after the cutoff.
 */
export function decideAfterFailure(c: FailureContext): NextStep {
  if (c.declineClass === 'CONTRACT_ENDED') return { kind: 'stop', reason: 'CONTRACT_ENDED' };
  if (c.declineClass === 'LIMIT') return { kind: 'stop', reason: 'EXHAUSTED' };
  const canFallback = !c.isFallback && c.amount > c.minimumDue && c.minimumDue > 0;
  if (c.declineClass === 'INSUFFICIENT_BALANCE') {
    const slot = nextBalanceSlot(c.now, c.times);
    if (canFallback && (c.balanceFailuresAtAmount >= c.fullAttempts || slot >= c.plan.lastChanceAt)) {
      const lastChance = c.plan.lastChanceAt > c.now ? c.plan.lastChanceAt : c.now;
      const at = slot < lastChance ? slot : lastChance;
      return at > c.plan.cutoff
        ? { kind: 'stop', reason: 'EXHAUSTED' }
        : { kind: 'retry', at, fallback: true };
    }
    return slot > c.plan.cutoff
      ? { kind: 'stop', reason: 'EXHAUSTED' }
      : { kind: 'retry', at: slot, fallback: false };
  }
  if (c.declineClass === 'OTHER' && c.channelFailures >= MAX_UNCLASSIFIED_FAILURES) {
    return { kind: 'stop', reason: 'EXHAUSTED' };
  }
  const backoff = Math.min(CHANNEL_BACKOFF_MS * 2 ** (c.channelFailures - 1), CHANNEL_BACKOFF_MAX_MS);
  const at = new Date(c.now.getTime() + backoff);
  return at > c.plan.cutoff ? { kind: 'stop', reason: 'EXHAUSTED' } : { kind: 'retry', at, fallback: false };
}
