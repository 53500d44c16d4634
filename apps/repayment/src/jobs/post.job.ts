import { money as checkedMoney } from '@wxpay/persistence';
import { emit, money, runFacts } from '../use-cases/repayment-events';
import { type Job, type JobResult } from '../scheduler/job';
import { later, type JobDeps } from './job-deps';

const MAX_BACKOFF_MS = 30 * 60_000;

/**
 * Posts the collected money to the card account as a credit over the UnionPay channel. The channel logs each
 * request before sending it and reverses any it gets no answer to (also one left by a process killed mid-call),
 * so re-running this job after a crash leaves exactly one credit on the account.
 */
export async function runPostJob(d: JobDeps, job: Job): Promise<JobResult> {
  const posting = await d.runs.posting(d.ds.manager, job.subject);
  const run = await d.runs.get(d.ds.manager, job.subject);
  if (!posting || posting.state !== 'PENDING' || !run) {
    await d.ds.transaction((m) => d.jobs.finish(m, job));
    return { kind: 'done' };
  }
  const outcome = await d.cardAccount.credit(run.cardToken, checkedMoney(posting.amount, posting.currency));
  if (outcome.outcome === 'retry') {
    const backoff = Math.min(2 ** Math.min(job.tries, 10) * 15_000, MAX_BACKOFF_MS);
    return { kind: 'retry', at: later(d.clock, backoff), error: outcome.reason };
  }
  await d.ds.transaction(async (m) => {
    const now = d.clock.now();
    const locked = (await d.runs.get(m, run.statementId, true))!;
    const attempt = (await d.runs.attemptById(m, posting.attemptId))!;
    if (outcome.outcome === 'posted') {
      await d.runs.finishPosting(m, run.statementId, 'POSTED', { ...outcome, at: now });
      const repaid = await d.runs.update(m, run.statementId, { status: 'REPAID', postedAt: now });
      await emit(
        m,
        'RepaymentSucceeded',
        run.statementId,
        {
          ...runFacts(repaid),
          amount: money(posting.amount, posting.currency),
          outTradeNo: attempt.outTradeNo,
          ...(attempt.wechatTransactionId ? { wechatTransactionId: attempt.wechatTransactionId } : {}),
          postingRrn: outcome.rrn,
          fallbackToMinimum: locked.fallback,
        },
        now,
      );
    } else {
      await d.runs.finishPosting(m, run.statementId, 'FAILED', {
        responseCode: outcome.responseCode,
        at: now,
      });
      const stuck = await d.runs.update(m, run.statementId, {
        status: 'POSTING_FAILED',
        statusReason: `card account refused the credit: ${outcome.responseCode}`,
      });
      d.logger.error({ statement: run.statementId, code: outcome.responseCode }, 'repayment posting refused');
      await emit(
        m,
        'RepaymentPostingFailed',
        run.statementId,
        {
          ...runFacts(stuck),
          amount: money(posting.amount, posting.currency),
          responseCode: outcome.responseCode,
        },
        now,
      );
    }
    await d.jobs.finish(m, job);
  });
  return { kind: 'done' };
}
