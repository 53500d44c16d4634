import { Inject, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { protoPath, Topics } from '@wxpay/contracts';
import { GrpcServer, loadProtos } from '@wxpay/grpc';
import { BatchEventConsumer, EventConsumer, messagingMetrics } from '@wxpay/messaging';
import {
  type HealthRegistry,
  LATENCY_BUCKETS_SECONDS,
  type Logger,
  type Metrics,
} from '@wxpay/observability';
import { DATA_SOURCE, HEALTH, KAFKA, LOGGER, METRICS } from '@wxpay/runtime';
import { type Kafka } from 'kafkajs';
import { type DataSource } from 'typeorm';
import { type Clock, ControllableClock } from '../persistence/business-clock.repository';
import { papayNotificationHandler } from '../consumers/papay-notifications.consumer';
import { statementEventHandler } from '../consumers/statement-events.consumer';
import { AUTO_REPAYMENT_SERVICE, autoRepaymentHandlers } from '../api/auto-repayment.controller';
import { type JobKind } from '../scheduler/job';
import { JobRunner } from '../scheduler/job-runner';
import { buildPorts, type BuiltPorts } from './build-ports';
import { createRepaymentCore, CURRENCY, type RepaymentCore } from './repayment-core';
import { CLOCK, REPAYMENT_OPTIONS, type RepaymentAppOptions } from './tokens';

const PRUNE_EVERY_MS = 3600_000;
const HOLD_DEDUCTIONS: readonly JobKind[] = ['DEDUCT'];

/**
 * Everything beside the HTTP server: the AutoRepayment gRPC server (mutual TLS, health, reflection), the two
 * Kafka consumers (statements, papay notifications) and the scheduler; stopped in reverse before the database.
 */
export class RepaymentRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  core?: RepaymentCore;
  runner?: JobRunner;
  grpcPort = 0;
  private server?: GrpcServer;
  private ports?: BuiltPorts;
  private readonly consumers: { start(): Promise<void>; stop(): Promise<void> }[] = [];
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    @Inject(REPAYMENT_OPTIONS) private readonly options: RepaymentAppOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(HEALTH) private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.options.config;
    this.ports = await buildPorts(
      c,
      this.ds,
      this.options.tls,
      this.logger,
      this.metrics,
      this.health,
      this.options.ports ?? {},
    );
    const core = createRepaymentCore({
      ds: this.ds,
      config: c,
      clock: this.clock,
      logger: this.logger,
      ...this.ports,
    });
    this.core = core;
    const jobSeconds = this.metrics.histogram({
      name: 'repayment_job_seconds',
      help: 'Scheduled repayment jobs by kind and outcome',
      labelNames: ['kind', 'outcome'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
    });
    const deductionsInFlight = this.metrics.gauge({
      name: 'repayment_deductions_in_flight',
      help: 'Deductions asked of WeChat Pay whose result is not applied yet (new ones wait at the maximum)',
    });
    this.runner = new JobRunner(core.jobs, this.clock, core.handlers, this.logger, {
      pollMs: c.REPAYMENT_SCHEDULER_POLL_MS,
      batch: c.REPAYMENT_SCHEDULER_BATCH,
      concurrency: c.REPAYMENT_SCHEDULER_CONCURRENCY,
      leaseMs: c.REPAYMENT_JOB_LEASE_MS,
      ...(this.clock instanceof ControllableClock
        ? { beforePoll: () => (this.clock as ControllableClock).load() }
        : {}),
      onJobFinished: (kind, outcome, seconds) => jobSeconds.observe({ kind, outcome }, seconds),
      heldBack: async () => {
        const inFlight = await core.runs.deductionsInFlight(this.ds);
        deductionsInFlight.set(inFlight);
        return inFlight >= c.REPAYMENT_MAX_DEDUCTIONS_IN_FLIGHT ? HOLD_DEDUCTIONS : [];
      },
    });
    const calls = this.metrics.histogram({
      name: 'repayment_grpc_call_seconds',
      help: 'AutoRepayment gRPC calls by method and status',
      labelNames: ['method', 'code'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
    });
    this.server = new GrpcServer({
      packageDefinition: loadProtos([protoPath('gateway/repayment/v1/repayment.proto')]),
      logger: this.logger,
      tls: this.options.tls,
      onCallFinished: (method, code, seconds) => calls.observe({ method, code: String(code) }, seconds),
    }).addService(
      AUTO_REPAYMENT_SERVICE,
      autoRepaymentHandlers({
        ds: this.ds,
        planService: core.planService,
        runService: core.runService,
        plans: core.plans,
        runs: core.runs,
        currency: CURRENCY,
        defaultDaysBeforeDue: c.REPAYMENT_DEFAULT_DAYS_BEFORE_DUE,
        onScheduled: () => this.runner?.kick(),
      }),
    );
    this.grpcPort = await this.server.listen(`${c.REPAYMENT_GRPC_HOST}:${c.REPAYMENT_GRPC_PORT}`);
    const common = {
      kafka: this.kafka,
      dataSource: this.ds,
      logger: this.logger,
      chunkSize: c.REPAYMENT_CONSUMER_CHUNK,
    };
    this.consumers.push(
      new BatchEventConsumer({
        ...common,
        groupId: `${c.REPAYMENT_CONSUMER_GROUP}-statements`,
        topics: [Topics.statements.name],
        handler: statementEventHandler(core.runService),
      }),
      new EventConsumer({
        kafka: this.kafka,
        dataSource: this.ds,
        logger: this.logger,
        metrics: messagingMetrics(this.metrics),
        partitionsConsumedConcurrently: Topics.wechatpayNotifications.partitions,
        groupId: `${c.REPAYMENT_CONSUMER_GROUP}-papay`,
        topics: [Topics.wechatpayNotifications.name],
        handler: papayNotificationHandler(core.runService, core.runs, core.plans, this.logger),
      }),
    );
    await Promise.all(this.consumers.map((x) => x.start()));
    this.runner.start();
    this.pruneTimer = setInterval(() => {
      core.idempotency
        .prune(c.IDEMPOTENCY_RETENTION_HOURS)
        .catch((e: unknown) => this.logger.warn({ error: (e as Error).message }, 'idempotency prune failed'));
    }, PRUNE_EVERY_MS).unref();
    this.logger.info(
      { grpc: `${c.REPAYMENT_GRPC_HOST}:${this.grpcPort}`, clock: c.REPAYMENT_CLOCK },
      'AutoRepayment gRPC listening',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.server?.stop(5_000);
    await this.runner?.stop();
    for (const consumer of this.consumers) await consumer.stop();
    await this.ports?.close();
  }
}
