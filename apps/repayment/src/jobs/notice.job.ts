import { PapayRefusedError, PapayUnavailableError } from '../ports/papay.port';
import { emit, money, runFacts } from '../use-cases/repayment-events';
import { insideNoticeWindow, intoNoticeWindow } from '../domain/schedule/schedule-policy';
import { type Job, type JobResult } from '../scheduler/job';
import { later, type JobDeps } from './job-deps';

/**
 * The pre-deduction notice. WeChat Pay takes it only 07:00–22:00 Beijing time, so a notice that comes due outside
 * the window (a late statement, a replica that was down) moves to the next opening instead of being sent.
 * A re-run after a crash may notify the payer twice: harmless, and better than not at all.
 */
export async function runNoticeJob(d: JobDeps, job: Job): Promise<JobResult> {
  const now = d.clock.now();
  if (!insideNoticeWindow(now)) {
    const at = intoNoticeWindow(now);
    d.logger.info(
      { statement: job.subject, at: at.toISOString() },
      'notice moved into the 07:00–22:00 window',
    );
    return { kind: 'retry', at, error: 'outside the notice window' };
  }
  const run = await d.runs.get(d.ds.manager, job.subject);
  const plan = run?.planId ? await d.plans.get(d.ds.manager, run.planId) : undefined;
  if (!run || run.status !== 'SCHEDULED' || !plan || plan.status !== 'ACTIVE') {
    await d.ds.transaction(async (m) => {
      const locked = run ? await d.runs.get(m, run.statementId, true) : undefined;
      if (locked && plan?.status !== 'ACTIVE') await d.service.closeForInactivePlan(m, locked, plan);
      await d.jobs.finish(m, job);
    });
    return { kind: 'done' };
  }
  try {
    await d.papay.sendNotice(plan.contractId, run.target, run.deductDays ?? 1);
  } catch (e) {
    if (e instanceof PapayUnavailableError)
      return { kind: 'retry', at: later(d.clock, 5 * 60_000), error: e.message };
    if (e instanceof PapayRefusedError && e.declineClass === 'CONTRACT_ENDED') {
      await d.ds.transaction(async (m) => {
        await d.service.contractEnded(m, plan.id, `notice refused: ${e.code}`);
        await d.jobs.finish(m, job);
      });
      return { kind: 'done' };
    }
    throw e;
  }
  await d.ds.transaction(async (m) => {
    const locked = await d.runs.get(m, run.statementId, true);
    if (locked?.status === 'SCHEDULED') {
      const sent = await d.runs.update(m, run.statementId, {
        status: 'NOTICE_SENT',
        noticeSentAt: d.clock.now(),
      });
      await emit(
        m,
        'RepaymentNoticeSent',
        run.statementId,
        { ...runFacts(sent), estimated: money(run.target, run.currency), deductDays: run.deductDays ?? 1 },
        d.clock.now(),
      );
    }
    await d.jobs.finish(m, job);
  });
  return { kind: 'done' };
}
