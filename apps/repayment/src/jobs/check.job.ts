import { PapayUnavailableError } from '../ports/papay.port';
import { type Job, type JobResult } from '../scheduler/job';
import { later, type JobDeps } from './job-deps';

/**
 * A deduction's result, from WeChat Pay itself: asked when its notification has not come, and at once when a
 * result event arrived (events are not trusted to move money). The answer is applied to an open attempt only.
 */
export async function runCheckJob(d: JobDeps, job: Job): Promise<JobResult> {
  const attempt = await d.runs.attemptById(d.ds.manager, String(job.payload.attemptId));
  if (!attempt || (attempt.state !== 'ACCEPTED' && attempt.state !== 'REQUESTED')) {
    await d.ds.transaction((m) => d.jobs.finish(m, job));
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
    // Settled meanwhile (another check, a replica): a result is applied to an open attempt only, once.
    if (current.state === 'ACCEPTED' || current.state === 'REQUESTED') {
      if (outcome.state !== 'SUCCEEDED') {
        await d.service.attemptFailed(m, run, current, outcome.declineClass, outcome.reason);
      } else if (outcome.amountFen !== current.amount) {
        // WeChat Pay collected another amount (or did not say which): nothing is posted on a guess.
        d.logger.error(
          {
            statement: run.statementId,
            outTradeNo: current.outTradeNo,
            collected: outcome.amountFen ?? null,
          },
          'a deduction succeeded with an amount other than requested: an operator must look at it',
        );
      } else {
        await d.service.attemptSucceeded(m, run, current, outcome.transactionId);
      }
    }
    await d.jobs.finish(m, job);
  });
  return { kind: 'done' };
}
