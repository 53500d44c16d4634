import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type Clock } from '../persistence/business-clock.repository';
import { type RepaymentConfig } from '../config';
import { Idempotency } from '../grpc/idempotency';
import { runCheckJob } from '../jobs/check.job';
import { runFailNoticeJob, runTerminateContractJob } from '../jobs/contract-calls.job';
import { runDeductJob } from '../jobs/deduct.job';
import { type JobDeps } from '../jobs/job-deps';
import { runNoticeJob } from '../jobs/notice.job';
import { runPostJob } from '../jobs/post.job';
import { PlanRepository } from '../persistence/plan.repository';
import { PlanService } from '../use-cases/plan.service';
import { type CardAccountPort } from '../ports/card-account.port';
import { type PapayPort } from '../ports/papay.port';
import { RunRepository } from '../persistence/run.repository';
import { RunService } from '../use-cases/run.service';
import { type ScheduleTimes } from '../domain/schedule/schedule-policy';
import { type Job, type JobKind, type JobResult } from '../scheduler/job';
import { JobStore } from '../persistence/job-store.repository';

export const CURRENCY = 'CNY';

export interface RepaymentCore {
  runs: RunRepository;
  plans: PlanRepository;
  jobs: JobStore;
  runService: RunService;
  planService: PlanService;
  idempotency: Idempotency;
  handlers: Record<JobKind, (job: Job) => Promise<JobResult>>;
}

export function scheduleTimes(c: RepaymentConfig): ScheduleTimes {
  return {
    noticeAt: c.REPAYMENT_NOTICE_AT,
    deductAt: c.REPAYMENT_DEDUCT_AT,
    lastChanceAt: c.REPAYMENT_LAST_CHANCE_AT,
    cutoffAt: c.REPAYMENT_CUTOFF_AT,
  };
}

/** The domain objects over their ports; no I/O of its own (the runtime starts servers and loops). */
export function createRepaymentCore(o: {
  ds: DataSource;
  config: RepaymentConfig;
  clock: Clock;
  logger: Logger;
  papay: PapayPort;
  cardAccount: CardAccountPort;
}): RepaymentCore {
  const runs = new RunRepository();
  const plans = new PlanRepository();
  const jobs = new JobStore(o.ds);
  const runService = new RunService(runs, plans, jobs, o.clock, o.logger, {
    times: scheduleTimes(o.config),
    fullAttempts: o.config.REPAYMENT_FULL_ATTEMPTS,
  });
  const idempotency = new Idempotency(o.ds);
  const planService = new PlanService(plans, runService, jobs, o.papay, idempotency, o.clock, CURRENCY);
  const deps: JobDeps = {
    ds: o.ds,
    runs,
    plans,
    jobs,
    service: runService,
    papay: o.papay,
    cardAccount: o.cardAccount,
    clock: o.clock,
    logger: o.logger,
    checkAfterMs: o.config.REPAYMENT_CHECK_AFTER_MS,
  };
  return {
    runs,
    plans,
    jobs,
    runService,
    planService,
    idempotency,
    handlers: {
      NOTICE: (job) => runNoticeJob(deps, job),
      DEDUCT: (job) => runDeductJob(deps, job),
      CHECK: (job) => runCheckJob(deps, job),
      POST: (job) => runPostJob(deps, job),
      FAIL_NOTICE: (job) => runFailNoticeJob(deps, job),
      TERMINATE_CONTRACT: (job) => runTerminateContractJob(deps, job),
    },
  };
}
