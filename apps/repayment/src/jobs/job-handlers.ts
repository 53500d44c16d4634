import { type JobKind } from '../scheduler/job';
import { type JobHandler } from '../scheduler/job-runner';
import { runCheckJob } from './check.job';
import { runFailNoticeJob, runTerminateContractJob } from './contract-calls.job';
import { runDeductJob } from './deduct.job';
import { type JobDeps } from './job-deps';
import { runNoticeJob } from './notice.job';
import { runPostJob } from './post.job';

/** The scheduler's handler of each job kind. */
export function jobHandlers(deps: JobDeps): Record<JobKind, JobHandler> {
  return {
    NOTICE: (job) => runNoticeJob(deps, job),
    DEDUCT: (job) => runDeductJob(deps, job),
    CHECK: (job) => runCheckJob(deps, job),
    POST: (job) => runPostJob(deps, job),
    FAIL_NOTICE: (job) => runFailNoticeJob(deps, job),
    TERMINATE_CONTRACT: (job) => runTerminateContractJob(deps, job),
  };
}
