import { Module, type DynamicModule } from '@nestjs/common';
import { TokenVaultService } from '@wxpay/contracts';
import {
  LATENCY_BUCKETS_SECONDS,
  type HealthRegistry,
  type Logger,
  type Metrics,
} from '@wxpay/observability';
import { CounterpartyConnections, DATA_SOURCE, HEALTH, LOGGER, METRICS } from '@wxpay/runtime';
import { createUnionPayClientFromEnv } from '@wxpay/unionpay';
import { createWechatPayClientFromEnv } from '@wxpay/wechatpay';
import { type DataSource } from 'typeorm';
import { UnionPayCardAccountAdapter } from './adapters/unionpay-card-account.adapter';
import { WechatPayPapayAdapter } from './adapters/wechatpay-papay.adapter';
import { SERVICE_NAME } from './config';
import { CLOCK, systemClock, type Clock } from './domain/clock';
import { jobHandlers } from './jobs/job-handlers';
import { ControllableClock } from './persistence/business-clock.repository';
import { JobStore } from './persistence/job-store.repository';
import { PlanRepository } from './persistence/plan.repository';
import { RunRepository } from './persistence/run.repository';
import { CARD_ACCOUNT_PORT, type CardAccountPort } from './ports/card-account.port';
import { PAPAY_PORT, type PapayPort } from './ports/papay.port';
import { REPAYMENT_OPTIONS, scheduleTimes, type RepaymentRunOptions } from './repayment-options';
import { type JobKind } from './scheduler/job';
import { JobRunner } from './scheduler/job-runner';
import { IngestStatementService } from './use-cases/ingest-statement.service';
import { PlanService } from './use-cases/plan.service';
import { RunQueryService } from './use-cases/run-query.service';
import { RetryPostingService } from './use-cases/retry-posting.service';
import { RunService } from './use-cases/run.service';

const HOLD_DEDUCTIONS: readonly JobKind[] = ['DEDUCT'];

/**
 * Automatic repayment without its edges: business time, the repositories, the plan and run use cases, the
 * durable scheduler and its job handlers, and the counterparties behind their ports — WeChat Pay papay (signed
 * HTTPS), the vault (the typed TokenVault client over mutual TLS, checking the server is `tokenization`) and the
 * UnionPay channel (TLS, SM-protected ISO 8583). Tests hand in stand-ins for papay and the card account.
 */
@Module({})
export class RepaymentCoreModule {
  static forRoot(options: RepaymentRunOptions): DynamicModule {
    const { config } = options;
    return {
      module: RepaymentCoreModule,
      providers: [
        { provide: REPAYMENT_OPTIONS, useValue: options },
        CounterpartyConnections,
        {
          provide: CLOCK,
          inject: [DATA_SOURCE, LOGGER],
          useFactory: async (ds: DataSource, logger: Logger): Promise<Clock> => {
            if (config.REPAYMENT_CLOCK !== 'controllable') return systemClock;
            logger.warn(
              'business time is controllable over HTTP (REPAYMENT_CLOCK=controllable): not for production',
            );
            const clock = new ControllableClock(ds);
            await clock.load();
            return clock;
          },
        },
        PlanRepository,
        RunRepository,
        { provide: JobStore, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new JobStore(ds) },
        {
          provide: PAPAY_PORT,
          useFactory: (): PapayPort =>
            options.ports?.papay ??
            new WechatPayPapayAdapter(createWechatPayClientFromEnv(config), config.REPAYMENT_NOTIFY_URL),
        },
        {
          provide: CARD_ACCOUNT_PORT,
          inject: [DATA_SOURCE, LOGGER, METRICS, HEALTH, CounterpartyConnections],
          useFactory: async (
            ds: DataSource,
            logger: Logger,
            metrics: Metrics,
            health: HealthRegistry,
            connections: CounterpartyConnections,
          ): Promise<CardAccountPort> => {
            if (options.ports?.cardAccount) return options.ports.cardAccount;
            const vault = await connections.grpcClient(
              TokenVaultService,
              {
                address: config.TOKENIZATION_GRPC_ADDRESS,
                tls: options.tls,
                server: 'tokenization',
                deadlineMs: config.VAULT_DEADLINE_MS,
              },
              logger,
            );
            const channel = await createUnionPayClientFromEnv(config, ds, logger, SERVICE_NAME, metrics);
            // Connects in the background when the switch is not up yet; readiness reports it.
            await channel.start(2_000);
            connections.add(() => channel.close());
            health.register('unionpay', async () => {
              if (!channel.ready) throw new Error('the UnionPay channel is not signed on');
            });
            return new UnionPayCardAccountAdapter(vault, channel, config.VAULT_DEADLINE_MS);
          },
        },
        {
          provide: RunService,
          inject: [RunRepository, PlanRepository, JobStore, CLOCK, LOGGER],
          useFactory: (
            runs: RunRepository,
            plans: PlanRepository,
            jobs: JobStore,
            clock: Clock,
            logger: Logger,
          ) =>
            new RunService(runs, plans, jobs, clock, logger, {
              times: scheduleTimes(config),
              fullAttempts: config.REPAYMENT_FULL_ATTEMPTS,
            }),
        },
        {
          provide: JobRunner,
          inject: [
            DATA_SOURCE,
            RunRepository,
            PlanRepository,
            JobStore,
            RunService,
            PAPAY_PORT,
            CARD_ACCOUNT_PORT,
            CLOCK,
            LOGGER,
            METRICS,
          ],
          useFactory: (
            ds: DataSource,
            runs: RunRepository,
            plans: PlanRepository,
            jobs: JobStore,
            service: RunService,
            papay: PapayPort,
            cardAccount: CardAccountPort,
            clock: Clock,
            logger: Logger,
            metrics: Metrics,
          ) => {
            const jobSeconds = metrics.histogram({
              name: 'repayment_job_seconds',
              help: 'Scheduled repayment jobs by kind and outcome',
              labelNames: ['kind', 'outcome'],
              buckets: [...LATENCY_BUCKETS_SECONDS],
            });
            const takeovers = metrics.counter({
              name: 'wxpay_lease_takeovers_total',
              help: 'Leases taken over after they ran out under another owner (a driver or job runner died or stalled)',
              labelNames: ['resource'],
            });
            const deductionsInFlight = metrics.gauge({
              name: 'repayment_deductions_in_flight',
              help: 'Deductions asked of WeChat Pay whose result is not applied yet (new ones wait at the maximum)',
            });
            const handlers = jobHandlers({
              ds,
              runs,
              plans,
              jobs,
              service,
              papay,
              cardAccount,
              clock,
              logger,
              checkAfterMs: config.REPAYMENT_CHECK_AFTER_MS,
            });
            return new JobRunner(jobs, clock, handlers, logger, {
              pollMs: config.REPAYMENT_SCHEDULER_POLL_MS,
              batch: config.REPAYMENT_SCHEDULER_BATCH,
              concurrency: config.REPAYMENT_SCHEDULER_CONCURRENCY,
              leaseMs: config.REPAYMENT_JOB_LEASE_MS,
              ...(clock instanceof ControllableClock ? { beforePoll: () => clock.load() } : {}),
              onJobFinished: (kind, outcome, seconds) => jobSeconds.observe({ kind, outcome }, seconds),
              onTakeover: () => takeovers.inc({ resource: 'scheduled_job' }),
              heldBack: async () => {
                const inFlight = await runs.deductionsInFlight(ds);
                deductionsInFlight.set(inFlight);
                return inFlight >= config.REPAYMENT_MAX_DEDUCTIONS_IN_FLIGHT ? HOLD_DEDUCTIONS : [];
              },
            });
          },
        },
        PlanService,
        RunQueryService,
        IngestStatementService,
        RetryPostingService,
      ],
      exports: [
        REPAYMENT_OPTIONS,
        CLOCK,
        CounterpartyConnections,
        PlanRepository,
        RunRepository,
        JobStore,
        RunService,
        JobRunner,
        PlanService,
        RunQueryService,
        IngestStatementService,
        RetryPostingService,
      ],
    };
  }
}
