import { PapayRefusedError, PapayUnavailableError } from '../ports/papay.port';
import { type Job, type JobResult } from '../scheduler/job';
import { later, type JobDeps } from './job-deps';

const FAIL_NOTICE_TRIES = 3;

/** After an insufficient balance: WeChat Pay reminds the payer to top up before the next attempt. Best effort. */
export async function runFailNoticeJob(d: JobDeps, job: Job): Promise<JobResult> {
  const run = await d.runs.get(d.ds.manager, job.subject);
  const plan = run?.planId ? await d.plans.get(d.ds.manager, run.planId) : undefined;
  if (plan?.status === 'ACTIVE') {
    try {
      await d.papay.sendFailureNotice(plan.contractId);
    } catch (e) {
      if (e instanceof PapayUnavailableError && job.tries < FAIL_NOTICE_TRIES) {
        return { kind: 'retry', at: later(d.clock, 60_000), error: e.message };
      }
      d.logger.warn({ statement: job.subject, error: (e as Error).message }, 'top-up reminder not sent');
    }
  }
  await d.ds.transaction((m) => d.jobs.finish(m, job));
  return { kind: 'done' };
}

/** CancelPlan's contract termination at WeChat Pay, retried until WeChat Pay confirms (or says it already ended). */
export async function runTerminateContractJob(d: JobDeps, job: Job): Promise<JobResult> {
  const plan = await d.plans.get(d.ds.manager, job.subject);
  if (plan) {
    try {
      await d.papay.terminateContract(
        plan.wechatPlanId,
        plan.outContractCode,
        String(job.payload.remark ?? '银行取消自动还款'),
      );
    } catch (e) {
      if (e instanceof PapayUnavailableError)
        return { kind: 'retry', at: later(d.clock, 60_000), error: e.message };
      if (!(e instanceof PapayRefusedError && e.declineClass === 'CONTRACT_ENDED')) throw e;
    }
  }
  await d.ds.transaction((m) => d.jobs.finish(m, job));
  return { kind: 'done' };
}
