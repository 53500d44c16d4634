import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { kafkaConnectionFromEnv, messagingMetrics } from '@wxpay/messaging';
import { type Logger, type Metrics } from '@wxpay/observability';
import { DATA_SOURCE, LOGGER, METRICS } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { TokenVaultAdapter } from './adapters/token-vault.adapter';
import { RiskEngine } from './domain/engine/risk-engine';
import { RiskState } from './domain/state/risk-state';
import { DecisionBatchRepository } from './persistence/decision-batch.repository';
import { DecisionRecorder } from './persistence/decision-recorder';
import { ListRepository } from './persistence/list.repository';
import { ReviewRepository } from './persistence/review.repository';
import { RuleSetRepository } from './persistence/rule-set.repository';
import { StateLoader } from './persistence/state-loader';
import { DecisionStoreThread } from './persistence/store-thread';
import { TOKEN_SUSPENDER, type TokenSuspender } from './ports/token-suspender.port';
import { createRiskMetrics } from './risk-metrics';
import { DEFAULT_TOPICS, RISK_OPTIONS, SERVICE_NAME, type RiskRunOptions } from './risk-options';
import { EvaluateService } from './use-cases/evaluate.service';
import { ListService } from './use-cases/list.service';
import { ReviewService } from './use-cases/review.service';
import { RuleSetHolder } from './use-cases/rule-set.service';

export const RISK_METRICS = Symbol('RISK_METRICS');
export type RiskMetrics = ReturnType<typeof createRiskMetrics>;
export const RISK_TOPICS = Symbol('RISK_TOPICS');
/** The decision store thread, or null with RISK_DECISION_STORE=inline. */
const STORE_THREAD = Symbol('STORE_THREAD');

/** The thread opens its own pool on the same database. */
function databaseUrlOf(dataSource: DataSource): string {
  const url = (dataSource.options as { url?: string }).url;
  if (!url) throw new Error('RISK_DECISION_STORE=thread needs a data source configured by URL');
  return url;
}

/**
 * The risk engine's parts as one object, for what runs beside the gRPC edge (the lifecycle consumer, benchmarks,
 * tests). On shutdown (after the gRPC edge has stopped taking calls) buffered decisions are stored, then the
 * store thread, list refresh and rule watch stop.
 */
@Injectable()
export class Risk implements OnApplicationShutdown {
  constructor(
    readonly state: RiskState,
    readonly engine: RiskEngine,
    readonly rules: RuleSetHolder,
    readonly lists: ListService,
    readonly recorder: DecisionRecorder,
    @Inject(STORE_THREAD) private readonly storeThread: DecisionStoreThread | null,
  ) {}

  /** Decisions answered but not stored yet. */
  get decisionBacklog(): number {
    return this.recorder.backlog;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.recorder.close();
    await this.storeThread?.stop();
    this.lists.stop();
    this.rules.close();
  }
}

/**
 * Risk's providers, injected by Nest: the in-memory state rebuilt from the database, the rules (loaded, and
 * watched), the engine, the lists, the decision recorder (and its store thread), the review queue, the use cases
 * and the vault client. Needs the runtime's LOGGER and METRICS and a DATA_SOURCE (RuntimeModule, DatabaseModule).
 */
@Module({})
export class RiskCoreModule {
  static forRoot(options: RiskRunOptions): DynamicModule {
    const { config } = options;
    const topics = options.topics ?? DEFAULT_TOPICS;
    return {
      module: RiskCoreModule,
      providers: [
        { provide: RISK_OPTIONS, useValue: options },
        { provide: RISK_TOPICS, useValue: topics },
        { provide: RISK_METRICS, inject: [METRICS], useFactory: (m: Metrics) => createRiskMetrics(m) },
        {
          provide: RuleSetHolder,
          inject: [DATA_SOURCE, LOGGER, RISK_METRICS],
          useFactory: async (ds: DataSource, logger: Logger, m: RiskMetrics) => {
            const rules = new RuleSetHolder({
              liveFile: config.rulesFile,
              shadowFile: config.shadowRulesFile,
              registry: new RuleSetRepository(ds),
              logger,
              onReload: m.onReload,
            });
            await rules.load();
            if (config.watchRules) rules.watch();
            return rules;
          },
        },
        {
          provide: RiskState,
          inject: [DATA_SOURCE, LOGGER, RuleSetHolder],
          // Rebuilt from stored decisions and events (after the rules load: without valid rules risk never starts).
          useFactory: async (ds: DataSource, logger: Logger) => {
            const state = new RiskState({ maxKeysPerEntity: config.maxKeysPerEntity });
            await new StateLoader(ds, state, logger).load();
            return state;
          },
        },
        {
          provide: RiskEngine,
          inject: [RiskState, RuleSetHolder],
          useFactory: (state: RiskState, rules: RuleSetHolder) =>
            new RiskEngine(state, () => rules.current()),
        },
        {
          provide: ListService,
          inject: [DATA_SOURCE, RiskState, LOGGER],
          useFactory: async (ds: DataSource, state: RiskState, logger: Logger) => {
            const lists = new ListService(new ListRepository(ds), state.lists, logger);
            await lists.refresh();
            lists.startRefreshing(config.listRefreshMs);
            return lists;
          },
        },
        {
          provide: STORE_THREAD,
          inject: [DATA_SOURCE, LOGGER, METRICS],
          useFactory: async (ds: DataSource, logger: Logger, metrics: Metrics) => {
            if (config.decisionStore !== 'thread') return null;
            // The outbox relay runs in the thread too, off the Evaluate event loop.
            const relay = options.relay ?? true;
            const thread = new DecisionStoreThread({
              databaseUrl: databaseUrlOf(ds),
              decisionsTopic: topics.decisions,
              logLevel: config.logLevel,
              relay: relay ? { connection: options.kafka ?? kafkaConnectionFromEnv() } : null,
              logger,
              metrics: relay ? messagingMetrics(metrics) : undefined,
            });
            await thread.start();
            return thread;
          },
        },
        {
          provide: DecisionRecorder,
          inject: [DATA_SOURCE, LOGGER, RISK_METRICS, STORE_THREAD],
          useFactory: (ds: DataSource, logger: Logger, m: RiskMetrics, thread: DecisionStoreThread | null) =>
            new DecisionRecorder({
              writer: thread ?? new DecisionBatchRepository(ds, topics.decisions),
              logger,
              batchSize: config.batchSize,
              flushIntervalMs: config.flushIntervalMs,
              maxBuffered: config.maxBuffered,
              onFlush: m.onFlush,
            }),
        },
        {
          provide: EvaluateService,
          inject: [RiskEngine, DecisionRecorder, RISK_METRICS],
          useFactory: (engine: RiskEngine, recorder: DecisionRecorder, m: RiskMetrics) =>
            new EvaluateService({
              engine,
              sink: recorder,
              fx: config.fx,
              durability: config.durability,
              onVerdict: m.onVerdict,
            }),
        },
        {
          provide: ReviewRepository,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => new ReviewRepository(ds, topics.decisions),
        },
        ReviewService,
        {
          provide: TOKEN_SUSPENDER,
          useFactory: (): TokenSuspender =>
            options.suspender ??
            new TokenVaultAdapter(config.tokenizationAddress, grpcTlsFromEnv(SERVICE_NAME, options.env)),
        },
        Risk,
      ],
      exports: [
        RISK_OPTIONS,
        RISK_TOPICS,
        RISK_METRICS,
        TOKEN_SUSPENDER,
        RiskState,
        RiskEngine,
        RuleSetHolder,
        ListService,
        DecisionRecorder,
        EvaluateService,
        ReviewService,
        Risk,
      ],
    };
  }
}
