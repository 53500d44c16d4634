import { PapayUnavailableError } from '../ports/papay.port';
import { type Job, type JobResult } from '../scheduler/job';
import { later, type JobDeps } from './job-deps';

/** A deduction whose notification has not come: ask WeChat Pay, and apply the answer as the notification would. */
export async function runCheckJob(d: JobDeps, job: Job): Promise<JobResult> {
  const attempt = await d.runs.attemptById(d.ds.manager, String(job.payload.attemptId));
  if (!attempt || (attempt.state !== 'ACCEPTED' && attempt.state !== 'REQUESTED')) {
    await d.ds.transaction((m) => d.jobs.finish(m, job.id));
    return { kind: 'done' };
  }
  let outcome;
  try {
    outcome = await d.papay.queryDeduction(attempt.outTradeNo);
  } catch (e) {
    if (e instanceof PapayUnavailableError)
      return { kind: 'retry', at: later(d.clock, d.checkAfterMs), error: e.message };
    throw e;
  }
  if (outcome.state === 'PENDING' || outcome.state === 'NOT_FOUND') {
    return { kind: 'retry', at: later(d.clock, d.checkAfterMs), error: `deduction ${outcome.state}` };
  }
  await d.ds.transaction(async (m) => {
    const run = (await d.runs.get(m, attempt.statementId, true))!;
    const current = (await d.runs.attemptById(m, attempt.id))!;
    if (outcome.state === 'SUCCEEDED')
      await d.service.attemptSucceeded(m, run, current, outcome.transactionId);
    else await d.service.attemptFailed(m, run, current, outcome.declineClass, outcome.reason);
    await d.jobs.finish(m, job.id);
  });
  return { kind: 'done' };
}
