import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type Clock } from '../domain/clock';
import { type PlanRepository } from '../persistence/plan.repository';
import { type CardAccountPort } from '../ports/card-account.port';
import { type PapayPort } from '../ports/papay.port';
import { type RunRepository } from '../persistence/run.repository';
import { type RunService } from '../use-cases/run.service';
import { type JobStore } from '../persistence/job-store.repository';

export interface JobDeps {
  ds: DataSource;
  runs: RunRepository;
  plans: PlanRepository;
  jobs: JobStore;
  service: RunService;
  papay: PapayPort;
  cardAccount: CardAccountPort;
  clock: Clock;
  logger: Logger;
  /** A deduction without a result after this long (business time) is queried. */
  checkAfterMs: number;
}

export const later = (clock: Clock, ms: number): Date => new Date(clock.now().getTime() + ms);
