import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Topics } from '@wxpay/contracts';
import { BatchEventConsumer, EventConsumer, messagingMetrics } from '@wxpay/messaging';
import { type Logger, type Metrics } from '@wxpay/observability';
import { IdempotencyStore } from '@wxpay/persistence';
import { DATA_SOURCE, eventVerifierForService, KAFKA, LOGGER, METRICS } from '@wxpay/runtime';
import { type KafkaClient } from '@wxpay/messaging';
import { type DataSource } from 'typeorm';
import { papayNotificationHandler } from './consumers/papay-notifications.consumer';
import { statementEventHandler } from './consumers/statement-events.consumer';
import { PlanRepository } from './persistence/plan.repository';
import { RunRepository } from './persistence/run.repository';
import { REPAYMENT_OPTIONS, type RepaymentRunOptions } from './repayment-options';
import { JobRunner } from './scheduler/job-runner';
import { RunService } from './use-cases/run.service';

const PRUNE_EVERY_MS = 3600_000;

/**
 * What runs in the background of the service: the two Kafka consumers (statements, papay notifications), the
 * scheduler and the pruning of idempotency keys past their retention. Started once the app is up; on shutdown
 * stopped in reverse. The counterparty connections close later, in CounterpartyConnections'
 * onApplicationShutdown: here, before Nest closes the HTTP server, a request still in flight may need them.
 */
@Injectable()
export class RepaymentJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumers: { start(): Promise<void>; stop(): Promise<void> }[] = [];
  private pruner?: NodeJS.Timeout;

  constructor(
    @Inject(REPAYMENT_OPTIONS) private readonly options: RepaymentRunOptions,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(KAFKA) private readonly kafka: KafkaClient,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
    private readonly runner: JobRunner,
    private readonly runService: RunService,
    private readonly runs: RunRepository,
    private readonly plans: PlanRepository,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.options.config;
    // A statement schedules a deduction from the cardholder's wallet, a manual payment cancels one: only what the
    // card system (statements) and the payment service (notifications) signed is acted on.
    const verifier = eventVerifierForService('repayment', { EVENT_SIGNERS_FILE: c.EVENT_SIGNERS_FILE });
    this.consumers.push(
      new BatchEventConsumer({
        kafka: this.kafka,
        dataSource: this.ds,
        logger: this.logger,
        chunkSize: c.REPAYMENT_CONSUMER_CHUNK,
        groupId: `${c.REPAYMENT_CONSUMER_GROUP}-statements`,
        topics: [Topics.statements.name],
        handler: statementEventHandler(this.runService),
        verifier,
      }),
      new EventConsumer({
        kafka: this.kafka,
        dataSource: this.ds,
        logger: this.logger,
        metrics: messagingMetrics(this.metrics),
        partitionsConsumedConcurrently: Topics.wechatpayNotifications.partitions,
        groupId: `${c.REPAYMENT_CONSUMER_GROUP}-papay`,
        topics: [Topics.wechatpayNotifications.name],
        handler: papayNotificationHandler(this.runService, this.runs, this.plans, this.logger),
        verifier,
      }),
    );
    await Promise.all(this.consumers.map((x) => x.start()));
    this.runner.start();
    const prune = () =>
      this.idempotency
        .prune(this.ds, c.IDEMPOTENCY_RETENTION_HOURS * 3600_000)
        .catch((e: unknown) =>
          this.logger.warn({ error: e instanceof Error ? e.message : String(e) }, 'idempotency prune failed'),
        );
    this.pruner = setInterval(prune, PRUNE_EVERY_MS);
    this.pruner.unref();
    this.logger.info({ clock: c.REPAYMENT_CLOCK }, 'repayment consumers and scheduler started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pruner);
    await this.runner.stop();
    for (const consumer of this.consumers) await consumer.stop();
  }
}
