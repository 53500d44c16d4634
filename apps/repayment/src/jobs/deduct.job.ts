import { emit, money, runFacts } from '../use-cases/repayment-events';
import { PapayRefusedError, PapayUnavailableError } from '../ports/papay.port';
import { OPEN_RUN_STATUSES, type Attempt, type AttemptKind } from '../domain/runs/run';
import { type Job, type JobResult } from '../scheduler/job';
import { later, type JobDeps } from './job-deps';

const OPEN_ATTEMPT = (a: Attempt) => a.state === 'REQUESTED' || a.state === 'ACCEPTED';
const NOT_NOTIFIED_RETRY_MS = 60 * 60_000;

/**
 * One deduction attempt. First, in a transaction under the run's lock, the attempt is recorded (or the one this
 * job recorded before a crash is found again); then WeChat Pay is asked with the attempt's deterministic
 * out_trade_no, so a re-run re-sends the same order and can never deduct twice. At most one attempt per run is
 * in flight (a unique index), and none starts after a deduction succeeded or the run closed.
 */
export async function runDeductJob(d: JobDeps, job: Job): Promise<JobResult> {
  const kind = (job.payload.kind as AttemptKind | undefined) ?? 'PLANNED';
  const prepared = await d.ds.transaction(async (m) => {
    const run = await d.runs.get(m, job.subject, true);
    const plan = run?.planId ? await d.plans.get(m, run.planId) : undefined;
    if (!run || !OPEN_RUN_STATUSES.includes(run.status) || plan?.status !== 'ACTIVE') {
      if (run) await d.service.closeForInactivePlan(m, run, plan);
      await d.jobs.finish(m, job);
      return undefined;
    }
    if (run.status === 'SCHEDULED') return 'NOT_NOTIFIED' as const;
    const attempts = await d.runs.attempts(m, [run.statementId]);
    const mine = attempts.find((a) => a.jobId === job.id);
    if (mine && OPEN_ATTEMPT(mine)) return { run, plan, attempt: mine };
    if (mine || attempts.some(OPEN_ATTEMPT)) {
      await d.jobs.finish(m, job);
      return undefined;
    }
    const fallbackAmount = Math.min(run.target, Math.max(0, run.minimumDue - run.manualPaid));
    const amount = kind === 'FALLBACK_MINIMUM' ? fallbackAmount : run.target;
    if (amount <= 0) {
      await d.jobs.finish(m, job);
      return undefined;
    }
    const now = d.clock.now();
    const attempt = await d.runs.insertAttempt(m, {
      statementId: run.statementId,
      kind,
      amount,
      currency: run.currency,
      jobId: job.id,
      at: now,
    });
    const updated = await d.runs.update(m, run.statementId, {
      status: 'DEDUCTING',
      fallback: run.fallback || kind === 'FALLBACK_MINIMUM',
    });
    await emit(
      m,
      'DeductionRequested',
      run.statementId,
      {
        ...runFacts(updated),
        attempt: attempt.seq,
        kind,
        amount: money(amount, run.currency),
        outTradeNo: attempt.outTradeNo,
      },
      now,
    );
    return { run: updated, plan, attempt };
  });
  if (prepared === undefined) return { kind: 'done' };
  if (prepared === 'NOT_NOTIFIED') {
    // WeChat Pay refuses a deduction the payer was not told about; wait for the notice (and its waiting period).
    return { kind: 'retry', at: later(d.clock, NOT_NOTIFIED_RETRY_MS), error: 'notice not sent yet' };
  }
  const { run, plan, attempt } = prepared;
  try {
    await d.papay.applyDeduction({
      contractId: plan.contractId,
      outTradeNo: attempt.outTradeNo,
      amountFen: attempt.amount,
      description: '信用卡自动还款',
      attach: run.statementId,
    });
  } catch (e) {
    if (e instanceof PapayUnavailableError)
      return { kind: 'retry', at: later(d.clock, 60_000), error: e.message };
    if (!(e instanceof PapayRefusedError)) throw e;
    await d.ds.transaction(async (m) => {
      const locked = (await d.runs.get(m, run.statementId, true))!;
      const current = (await d.runs.attemptById(m, attempt.id))!;
      await d.service.attemptFailed(m, locked, current, e.declineClass, `${e.code}: ${e.wechatMessage}`);
      await d.jobs.finish(m, job);
    });
    return { kind: 'done' };
  }
  await d.ds.transaction(async (m) => {
    // Guarded: the result may already have been applied by its notification while WeChat Pay's answer travelled.
    if (await d.runs.markAccepted(m, attempt.id)) {
      await d.jobs.enqueue(m, 'CHECK', run.statementId, later(d.clock, d.checkAfterMs), {
        attemptId: attempt.id,
      });
    }
    await d.jobs.finish(m, job);
  });
  return { kind: 'done' };
}
