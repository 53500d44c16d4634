import { type DeclineClass } from '@wxpay/contracts';
import { type Logger } from '@wxpay/observability';
import { type EntityManager } from 'typeorm';
import { type Clock } from '../domain/clock';
import { emit, money, planFacts, runFacts } from './repayment-events';
import { type Plan } from '../domain/plans/plan';
import { type PlanRepository } from '../persistence/plan.repository';
import {
  decideAfterFailure,
  planRun,
  targetAmount,
  type ScheduleTimes,
} from '../domain/schedule/schedule-policy';
import { type JobStore } from '../persistence/job-store.repository';
import { OPEN_RUN_STATUSES, type Attempt, type Run } from '../domain/runs/run';
import { type RunRepository } from '../persistence/run.repository';
import { runInvalidState } from '../errors';

export interface StatementFacts {
  statementId: string;
  cardToken: string;
  currency: string;
  amountDue: number;
  minimumDue: number;
  dueDate: string;
}

export interface RunServiceOptions {
  times: ScheduleTimes;
  fullAttempts: number;
}

/** Jobs that may still deduct or talk to the payer about this cycle. */
const DEDUCTION_JOBS = ['NOTICE', 'DEDUCT', 'CHECK', 'FAIL_NOTICE'] as const;

/**
 * The statement cycle's state machine. Every method runs inside the caller's transaction with the run row locked,
 * writes its events to the outbox in that transaction, and is a no-op when the state already reflects the fact
 * (a redelivered event, a duplicate notification, a re-run job).
 */
export class RunService {
  constructor(
    private readonly runs: RunRepository,
    private readonly plans: PlanRepository,
    private readonly jobs: JobStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly o: RunServiceOptions,
  ) {}

  /** StatementIssued: a run per statement id, scheduled if the card has an active plan. Idempotent. */
  async ingest(m: EntityManager, s: StatementFacts): Promise<{ run: Run; created: boolean }> {
    const created = await this.runs.insertIfNew(m, s);
    if (!created) return { run: (await this.runs.get(m, s.statementId))!, created: false };
    const now = this.clock.now();
    const plan = await this.plans.liveForCard(m, s.cardToken);
    const skip = async (reason: string, planId: string | null) => {
      const run = await this.runs.update(m, s.statementId, {
        status: 'SKIPPED',
        statusReason: reason,
        planId,
      });
      await emit(m, 'RepaymentSkipped', s.statementId, { ...runFacts(run), reason }, now);
      return { run, created: true };
    };
    if (!plan) return skip('NO_PLAN', null);
    if (plan.status === 'PAUSED') return skip('PLAN_PAUSED', plan.id);
    if (s.currency !== plan.currency) return skip('UNSUPPORTED_CURRENCY', plan.id);
    const manualPaid = await this.runs.manualPaidFor(m, s.statementId);
    const target = targetAmount(plan.mode, s.amountDue, s.minimumDue, plan.fixedAmountMinor) - manualPaid;
    if (target <= 0) return skip(manualPaid > 0 ? 'REPAID_MANUALLY' : 'NOTHING_DUE', plan.id);
    const p = planRun(now, s.dueDate, plan.daysBeforeDue, this.o.times);
    const run = await this.runs.update(m, s.statementId, {
      planId: plan.id,
      status: 'SCHEDULED',
      statusReason: null,
      target,
      manualPaid,
      noticeAt: p.noticeAt,
      deductAt: p.deductAt,
      deductDays: p.deductDays,
      lastChanceAt: p.lastChanceAt,
      cutoffAt: p.cutoff,
    });
    await this.jobs.enqueue(m, 'NOTICE', s.statementId, p.noticeAt);
    await this.jobs.enqueue(m, 'DEDUCT', s.statementId, p.deductAt, { kind: 'PLANNED' });
    await emit(
      m,
      'RepaymentScheduled',
      s.statementId,
      {
        ...runFacts(run),
        target: money(target, s.currency),
        dueDate: s.dueDate,
        noticeAt: p.noticeAt.toISOString(),
        deductAt: p.deductAt.toISOString(),
      },
      now,
    );
    return { run, created: true };
  }

  /**
   * The cardholder repaid another way. Recorded once per payment reference (also before the statement is known:
   * ingest subtracts it). When it covers what the run still aims to collect and no deduction is at WeChat Pay,
   * the pending deduction is cancelled; a smaller payment lowers the amount later deductions take.
   */
  async manualPayment(
    m: EntityManager,
    p: { statementId: string; paymentRef: string; amount: number; currency: string; channel: string },
  ): Promise<void> {
    if (!(await this.runs.recordManual(m, p))) return;
    const run = await this.runs.get(m, p.statementId, true);
    if (!run || !OPEN_RUN_STATUSES.includes(run.status)) return;
    const now = this.clock.now();
    const manualPaid = run.manualPaid + p.amount;
    const attempts = await this.runs.attempts(m, [run.statementId]);
    const inFlight = attempts.some((a) => a.state === 'REQUESTED' || a.state === 'ACCEPTED');
    const remaining = run.target - p.amount;
    if (remaining > 0 || inFlight) {
      await this.runs.update(m, run.statementId, { manualPaid, target: Math.max(0, remaining) });
      if (inFlight)
        this.logger.info(
          { statement: run.statementId },
          'manual repayment while a deduction is at WeChat Pay',
        );
      return;
    }
    await this.jobs.cancel(m, run.statementId, DEDUCTION_JOBS);
    const closed = await this.runs.update(m, run.statementId, {
      manualPaid,
      target: 0,
      status: 'REPAID_MANUALLY',
      statusReason: `manual repayment ${p.paymentRef}`,
    });
    await emit(
      m,
      'RepaymentCancelled',
      run.statementId,
      { ...runFacts(closed), reason: 'REPAID_MANUALLY', manualAmount: money(p.amount, p.currency) },
      now,
    );
  }

  /**
   * A deduction result arrived as an event: the attempt's check runs now instead of later, and asks WeChat Pay
   * (the only source a result is applied from). The pending check is replaced, so one check runs.
   */
  async confirmAtWechatPay(m: EntityManager, run: Run, attempt: Attempt): Promise<void> {
    await this.jobs.cancel(m, run.statementId, ['CHECK']);
    await this.jobs.enqueue(m, 'CHECK', run.statementId, this.clock.now(), { attemptId: attempt.id });
  }

  /** WeChat Pay took the money: record it once, stop every other deduction, and queue the posting. */

  async attemptSucceeded(
    m: EntityManager,
    run: Run,
    attempt: Attempt,
    transactionId: string | undefined,
  ): Promise<void> {
    if (attempt.state === 'SUCCEEDED') return;
    const now = this.clock.now();
    await this.runs.finishAttempt(m, attempt.id, 'SUCCEEDED', {
      ...(transactionId ? { transactionId } : {}),
      at: now,
    });
    await this.jobs.cancel(m, run.statementId, DEDUCTION_JOBS);
    if (await this.runs.insertPosting(m, run.statementId, attempt)) {
      await this.jobs.enqueue(m, 'POST', run.statementId, now, { attemptId: attempt.id });
    } else {
      this.logger.error({ statement: run.statementId, attempt: attempt.seq }, 'a second deduction succeeded');
    }
    const updated = await this.runs.update(m, run.statementId, {
      status: 'COLLECTED',
      statusReason: run.status === 'REPAID_MANUALLY' ? 'collected after a manual repayment' : null,
      collected: run.collected + attempt.amount,
    });
    await emit(
      m,
      'RepaymentCollected',
      run.statementId,
      {
        ...runFacts(updated),
        amount: money(attempt.amount, attempt.currency),
        outTradeNo: attempt.outTradeNo,
        ...(transactionId ? { wechatTransactionId: transactionId } : {}),
      },
      now,
    );
  }

  /**
   * An operator's RetryPosting of a POSTING_FAILED run: the refused posting is pending again and a posting job
   * sends a new credit (the refused one moved no money). The run is COLLECTED until the card system answers.
   */
  async retryPosting(m: EntityManager, run: Run, operator: string, reason: string): Promise<Run> {
    if (run.status !== 'POSTING_FAILED') throw runInvalidState(run.status, 'retry its posting');
    const posting = (await this.runs.posting(m, run.statementId))!;
    await this.runs.reopenPosting(m, run.statementId);
    const now = this.clock.now();
    await this.jobs.enqueue(m, 'POST', run.statementId, now, { attemptId: posting.attemptId });
    const reopened = await this.runs.update(m, run.statementId, {
      status: 'COLLECTED',
      statusReason: `posting retried by ${operator}: ${reason}`,
    });
    await emit(
      m,
      'RepaymentPostingRetried',
      run.statementId,
      { ...runFacts(reopened), amount: money(posting.amount, posting.currency), operator },
      now,
    );
    this.logger.info({ statement: run.statementId, operator }, 'an operator retries a refused posting');
    return reopened;
  }

  /** A deduction failed: record why, then retry, fall back to the minimum, or stop, by decline class. */
  async attemptFailed(
    m: EntityManager,
    run: Run,
    attempt: Attempt,
    declineClass: DeclineClass,
    reason: string,
  ): Promise<void> {
    if (attempt.state === 'SUCCEEDED' || attempt.state === 'FAILED') return;
    const now = this.clock.now();
    await this.runs.finishAttempt(m, attempt.id, 'FAILED', { declineClass, reason, at: now });
    if (!OPEN_RUN_STATUSES.includes(run.status)) return;
    const history = await this.runs.attempts(m, [run.statementId]);
    const failed = history.filter((a) => a.id === attempt.id || a.state === 'FAILED');
    const balanceFailuresAtAmount = failed.filter(
      (a) =>
        a.amount === attempt.amount &&
        (a.id === attempt.id ? declineClass : a.declineClass) === 'INSUFFICIENT_BALANCE',
    ).length;
    let channelFailures = 0;
    for (const a of [...failed].reverse()) {
      const cls = a.id === attempt.id ? declineClass : a.declineClass;
      if (cls !== 'CHANNEL' && cls !== 'OTHER') break;
      channelFailures += 1;
    }
    const next = decideAfterFailure({
      now,
      declineClass,
      amount: attempt.amount,
      minimumDue: Math.max(0, run.minimumDue - run.manualPaid),
      isFallback: attempt.kind === 'FALLBACK_MINIMUM',
      balanceFailuresAtAmount,
      channelFailures,
      plan: { lastChanceAt: run.lastChanceAt ?? now, cutoff: run.cutoffAt ?? now },
      times: this.o.times,
      fullAttempts: this.o.fullAttempts,
    });
    const failedFact = {
      ...runFacts(run),
      attempt: attempt.seq,
      outTradeNo: attempt.outTradeNo,
      declineClass,
      reason: reason.slice(0, 200),
    };
    if (next.kind === 'retry') {
      await this.jobs.enqueue(m, 'DEDUCT', run.statementId, next.at, {
        kind: next.fallback ? 'FALLBACK_MINIMUM' : 'RETRY',
      });
      if (declineClass === 'INSUFFICIENT_BALANCE')
        await this.jobs.enqueue(m, 'FAIL_NOTICE', run.statementId, now);
      await this.runs.update(m, run.statementId, {
        status: 'DEDUCTING',
        statusReason: `retry: ${declineClass}`,
      });
      await emit(
        m,
        'DeductionFailed',
        run.statementId,
        { ...failedFact, nextAttemptAt: next.at.toISOString() },
        now,
      );
      return;
    }
    await emit(m, 'DeductionFailed', run.statementId, failedFact, now);
    if (next.reason === 'CONTRACT_ENDED' && run.planId) {
      await this.contractEnded(m, run.planId, 'deduction refused: contract ended');
      return;
    }
    await this.failRun(m, run, next.reason, declineClass);
  }

  /** The contract was terminated or revoked at WeChat Pay: the plan ends and its open runs fail. */
  async contractEnded(m: EntityManager, planId: string, reason: string): Promise<void> {
    const plan = await this.plans.get(m, planId, true);
    if (!plan) return;
    const now = this.clock.now();
    if (plan.status === 'ACTIVE' || plan.status === 'PAUSED') {
      const ended = await this.plans.update(m, plan.id, { status: 'CONTRACT_ENDED', statusReason: reason });
      await emit(m, 'RepaymentPlanContractEnded', plan.id, planFacts(ended, reason), now);
    }
    for (const run of await this.runs.openForPlan(m, plan.id)) {
      const attempts = await this.runs.attempts(m, [run.statementId]);
      // A deduction already at WeChat Pay decides for itself (it fails as CONTRACT_ENDED, or it went through).
      if (attempts.some((a) => a.state === 'REQUESTED' || a.state === 'ACCEPTED')) continue;
      await this.failRun(m, run, 'CONTRACT_ENDED', 'CONTRACT_ENDED');
    }
  }

  /** Pause or cancel: open runs without a deduction at WeChat Pay are closed and their jobs cancelled. */
  async closeRunsOfPlan(
    m: EntityManager,
    plan: Plan,
    reason: 'PLAN_PAUSED' | 'PLAN_CANCELLED',
  ): Promise<void> {
    const now = this.clock.now();
    for (const run of await this.runs.openForPlan(m, plan.id)) {
      const attempts = await this.runs.attempts(m, [run.statementId]);
      if (attempts.some((a) => a.state === 'REQUESTED' || a.state === 'ACCEPTED')) continue;
      await this.jobs.cancel(m, run.statementId, DEDUCTION_JOBS);
      const closed = await this.runs.update(m, run.statementId, { status: 'SKIPPED', statusReason: reason });
      await emit(m, 'RepaymentCancelled', run.statementId, { ...runFacts(closed), reason }, now);
    }
  }

  /**
   * A job found its run still open but its plan no longer active (paused, cancelled or ended while a deduction
   * was at WeChat Pay, so the plan change could not close the run then): close it the way the plan change would.
   */
  async closeForInactivePlan(m: EntityManager, run: Run, plan: Plan | undefined): Promise<void> {
    if (!OPEN_RUN_STATUSES.includes(run.status)) return;
    const attempts = await this.runs.attempts(m, [run.statementId]);
    if (attempts.some((a) => a.state === 'REQUESTED' || a.state === 'ACCEPTED')) return;
    if (!plan || plan.status === 'CONTRACT_ENDED') {
      await this.failRun(m, run, 'CONTRACT_ENDED', 'CONTRACT_ENDED');
      return;
    }
    const reason = plan.status === 'PAUSED' ? 'PLAN_PAUSED' : 'PLAN_CANCELLED';
    await this.jobs.cancel(m, run.statementId, DEDUCTION_JOBS);
    const closed = await this.runs.update(m, run.statementId, { status: 'SKIPPED', statusReason: reason });
    await emit(m, 'RepaymentCancelled', run.statementId, { ...runFacts(closed), reason }, this.clock.now());
  }

  private async failRun(
    m: EntityManager,
    run: Run,
    reason: 'CONTRACT_ENDED' | 'EXHAUSTED',
    lastDeclineClass: DeclineClass,
  ): Promise<void> {
    await this.jobs.cancel(m, run.statementId, DEDUCTION_JOBS);
    const failed = await this.runs.update(m, run.statementId, { status: 'FAILED', statusReason: reason });
    await emit(
      m,
      'RepaymentFailed',
      run.statementId,
      { ...runFacts(failed), reason, lastDeclineClass, notifyCardholder: true },
      this.clock.now(),
    );
  }
}
