import { protoPath, Topics } from '@wxpay/contracts';
import { GrpcServer, loadProtos, type GrpcTlsConfig } from '@wxpay/grpc';
import { type HealthRegistry, type Metrics } from '@wxpay/observability';
import { type Kafka } from 'kafkajs';
import { type Logger } from 'pino';
import { type DataSource } from 'typeorm';
import { SuspensionWorker } from './jobs/suspension-worker';
import { type TokenSuspender } from './ports/token-suspender.port';
import { type RiskConfig } from './config';
import { DecisionBatchRepository } from './persistence/decision-batch.repository';
import { DecisionRecorder } from './persistence/decision-recorder';
import { RiskEngine } from './domain/engine/risk-engine';
import { EvaluateService } from './use-cases/evaluate.service';
import { AdminGuard } from './grpc/admin-guard';
import { RISK_ENGINE_SERVICE, riskGrpcHandlers } from './api/risk-engine.controller';
import { ListService } from './use-cases/list.service';
import { ListRepository } from './persistence/list.repository';
import { RuleSetRepository } from './persistence/rule-set.repository';
import { StateLoader } from './persistence/state-loader';
import { ReviewRepository } from './persistence/review.repository';
import { createRiskMetrics } from './risk-metrics';
import { RuleSetHolder } from './use-cases/rule-set.service';
import { RiskState } from './domain/state/risk-state';
import { WINDOW_ENTITIES } from './domain/state/window-kinds';
import { BatchEventConsumer, type MessagingMetrics } from '@wxpay/messaging';
import { DecisionStoreThread } from './persistence/store-thread';
import { LifecycleHandler, type PreparedEvent } from './consumers/lifecycle.consumer';

export interface RiskTopics {
  payments: string;
  cards: string;
  decisions: string;
  alerts: string;
}

export const DEFAULT_TOPICS: RiskTopics = {
  payments: Topics.paymentsLifecycle.name,
  cards: Topics.cardsLifecycle.name,
  decisions: Topics.riskDecisions.name,
  alerts: Topics.riskAlerts.name,
};

export interface RiskRuntimeOptions {
  config: RiskConfig;
  dataSource: DataSource;
  kafka: Kafka;
  logger: Logger;
  metrics: Metrics;
  tls: GrpcTlsConfig;
  suspender: TokenSuspender;
  health?: HealthRegistry;
  topics?: RiskTopics;
  /** Overrides RISK_STREAM (tests drive the state directly). */
  consume?: boolean;
  /**
   * Run the database's outbox relay in the decision store thread (RISK_DECISION_STORE=thread), off the Evaluate
   * event loop; the caller then runs no relay of its own.
   */
  relay?: { brokers: string[]; metrics?: MessagingMetrics };
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The risk service without its HTTP shell: state rebuilt from the database, rules loaded (and watched), the
 * RiskEngine gRPC server, the lifecycle consumer, the decision recorder and the suspension worker, started in
 * that order and stopped in reverse. main.ts runs it inside Nest; integration tests and the benchmark run it as is.
 */
export class RiskRuntime {
  private grpc?: GrpcServer;
  private consumer?: BatchEventConsumer<PreparedEvent>;
  private recorder?: DecisionRecorder;
  private storeThread?: DecisionStoreThread;
  private worker?: SuspensionWorker;
  private lists?: ListService;
  private rules?: RuleSetHolder;
  private sweeper?: NodeJS.Timeout;
  grpcPort = 0;
  readonly state: RiskState;
  engine?: RiskEngine;

  constructor(private readonly opts: RiskRuntimeOptions) {
    this.state = new RiskState({ maxKeysPerEntity: opts.config.maxKeysPerEntity });
  }

  get ruleHolder(): RuleSetHolder {
    return this.rules!;
  }

  get decisionBacklog(): number {
    return this.recorder?.backlog ?? 0;
  }

  async start(): Promise<this> {
    const { config, dataSource, logger, kafka } = this.opts;
    const topics = this.opts.topics ?? DEFAULT_TOPICS;
    const m = createRiskMetrics(this.opts.metrics);

    this.rules = new RuleSetHolder({
      liveFile: config.rulesFile,
      shadowFile: config.shadowRulesFile,
      registry: new RuleSetRepository(dataSource),
      logger,
      onReload: m.onReload,
    });
    await this.rules.load();
    if (config.watchRules) this.rules.watch();
    const rules = this.rules;
    this.engine = new RiskEngine(this.state, () => rules.current());

    this.lists = new ListService(new ListRepository(dataSource), this.state.lists, logger);
    await this.lists.refresh();
    this.lists.startRefreshing(config.listRefreshMs);
    await new StateLoader(dataSource, this.state, logger).load();

    if (config.decisionStore === 'thread') {
      this.storeThread = new DecisionStoreThread({
        databaseUrl: databaseUrlOf(dataSource),
        decisionsTopic: topics.decisions,
        logLevel: config.logLevel,
        relay: this.opts.relay ? { brokers: this.opts.relay.brokers } : null,
        logger,
        metrics: this.opts.relay?.metrics,
      });
      await this.storeThread.start();
    }
    this.recorder = new DecisionRecorder({
      writer: this.storeThread ?? new DecisionBatchRepository(dataSource, topics.decisions),
      logger,
      batchSize: config.batchSize,
      flushIntervalMs: config.flushIntervalMs,
      maxBuffered: config.maxBuffered,
      onFlush: m.onFlush,
    });
    const recorder = this.recorder;
    const evaluate = new EvaluateService({
      engine: this.engine,
      sink: recorder,
      fx: config.fx,
      durability: config.durability,
      onVerdict: m.onVerdict,
    });

    this.worker = new SuspensionWorker({
      dataSource,
      suspender: this.opts.suspender,
      statuses: this.state.statuses,
      logger,
      onOutcome: m.onSuspension,
    });
    this.worker.start();
    const worker = this.worker;

    if (this.opts.consume ?? config.stream) {
      const handler = new LifecycleHandler({
        engine: this.engine,
        fx: config.fx,
        alertsTopic: topics.alerts,
        logger,
        onSuspensionQueued: () => worker.kick(),
        onEvent: m.onStreamEvent,
        onAlert: m.onAlert,
      });
      this.consumer = new BatchEventConsumer({
        kafka,
        dataSource,
        logger,
        groupId: config.consumerGroup,
        topics: [topics.payments, topics.cards],
        handler,
        chunkSize: config.consumerChunk,
      });
      await this.consumer.start();
    }

    if (!this.opts.tls.enabled) {
      logger.warn('gRPC without TLS: administration calls are not restricted (explicit local runs only)');
    }
    this.grpc = new GrpcServer({
      packageDefinition: loadProtos([protoPath('gateway/risk/v1/risk.proto')]),
      logger,
      tls: this.opts.tls,
      onCallFinished: m.onGrpcCall,
    }).addService(
      RISK_ENGINE_SERVICE,
      riskGrpcHandlers({
        evaluate,
        rules,
        reviews: new ReviewRepository(dataSource, topics.decisions),
        lists: this.lists,
        guard: new AdminGuard(config.adminCallers, this.opts.tls.enabled),
        maxFutureSkewMs: config.maxFutureSkewMs,
        maxEventAgeMs: config.maxEventAgeMs,
      }),
    );
    this.grpcPort = await this.grpc.listen(config.grpcAddress);

    const updateGauges = () => {
      const stats = this.state.windows.stats();
      for (const entity of WINDOW_ENTITIES) m.windowKeys.set({ entity }, stats.keys[entity]);
      m.backlog.set(recorder.backlog);
    };
    this.sweeper = setInterval(() => {
      this.state.windows.sweep(Date.now());
      updateGauges();
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    this.opts.health?.register('rules', async () => void rules.current());
    logger.info(
      { grpc: `${config.grpcAddress.split(':')[0]}:${this.grpcPort}`, rules: rules.status() },
      'risk engine ready',
    );
    return this;
  }

  /** Stops taking calls, stores buffered decisions, stops consuming; safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.grpc?.stop(5000);
    await this.recorder?.close();
    await this.storeThread?.stop();
    await this.consumer?.stop();
    await this.worker?.stop();
    this.lists?.stop();
    this.rules?.close();
    this.grpc = undefined;
    this.consumer = undefined;
    this.recorder = undefined;
    this.storeThread = undefined;
  }
}

/** The thread opens its own pool on the same database. */
function databaseUrlOf(dataSource: DataSource): string {
  const url = (dataSource.options as { url?: string }).url;
  if (!url) throw new Error('RISK_DECISION_STORE=thread needs a data source configured by URL');
  return url;
}
