import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Topics } from '@wxpay/contracts';
import { BatchEventConsumer, messagingMetrics, producersOfTopics } from '@wxpay/messaging';
import { type HealthRegistry, type Logger, type Metrics } from '@wxpay/observability';
import { DATA_SOURCE, eventVerifierForService, HEALTH, KAFKA, LOGGER, METRICS } from '@wxpay/runtime';
import { type KafkaClient } from '@wxpay/messaging';
import { type DataSource } from 'typeorm';
import { LifecycleHandler, type PreparedEvent } from '../consumers/lifecycle.consumer';
import { WINDOW_ENTITIES } from '../domain/state/window-kinds';
import { RiskStreamRepository } from '../persistence/risk-stream.repository';
import { TokenSuspensionRepository } from '../persistence/token-suspension.repository';
import { TOKEN_SUSPENDER, type TokenSuspender } from '../ports/token-suspender.port';
import { Risk, RISK_METRICS, RISK_TOPICS, type RiskMetrics } from '../risk-core.module';
import { RISK_OPTIONS, type RiskRunOptions, type RiskTopics } from '../risk-options';
import { SuspensionWorker } from './suspension-worker';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * What risk runs beside its gRPC edge, started once every provider is ready (before the first call is accepted)
 * and stopped after the edge, with the other services' jobs (beforeApplicationShutdown): the token suspension
 * worker, the lifecycle consumer (RISK_STREAM) and the sweep of expired window keys with the gauges it refreshes.
 * They stop before the rule watch, the list refresh and the decision store thread (Risk's onApplicationShutdown).
 */
@Injectable()
export class RiskJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private worker?: SuspensionWorker;
  private consumer?: BatchEventConsumer<PreparedEvent>;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly risk: Risk,
    @Inject(RISK_OPTIONS) private readonly options: RiskRunOptions,
    @Inject(RISK_TOPICS) private readonly topics: RiskTopics,
    @Inject(RISK_METRICS) private readonly metrics: RiskMetrics,
    @Inject(TOKEN_SUSPENDER) private readonly suspender: TokenSuspender,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly suspensions: TokenSuspensionRepository,
    private readonly stream: RiskStreamRepository,
    @Inject(KAFKA) private readonly kafka: KafkaClient,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(HEALTH) private readonly health: HealthRegistry,
    @Inject(METRICS) private readonly serviceMetrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this.options;
    const m = this.metrics;
    const worker = new SuspensionWorker({
      dataSource: this.dataSource,
      suspensions: this.suspensions,
      suspender: this.suspender,
      statuses: this.risk.state.statuses,
      logger: this.logger,
      onOutcome: m.onSuspension,
    });
    this.worker = worker;
    worker.start();

    if (this.options.consume ?? config.stream) {
      const handler = new LifecycleHandler({
        engine: this.risk.engine,
        store: this.stream,
        suspensions: this.suspensions,
        fx: config.fx,
        alertsTopic: this.topics.alerts,
        logger: this.logger,
        onSuspensionQueued: () => worker.kick(),
        onEvent: m.onStreamEvent,
        onAlert: m.onAlert,
      });
      this.consumer = new BatchEventConsumer({
        kafka: this.kafka,
        dataSource: this.dataSource,
        logger: this.logger,
        groupId: config.consumerGroup,
        topics: [this.topics.payments, this.topics.cards],
        handler,
        chunkSize: config.consumerChunk,
        // The shared consumer series (outcomes, dead letters) beside risk's own.
        metrics: messagingMetrics(this.serviceMetrics),
        // Forged payment events would raise alerts that suspend tokens, forged card events would stop cards:
        // only events their producers signed are applied. The topic names may be a test's own.
        verifier: eventVerifierForService(
          'risk',
          { EVENT_SIGNERS_FILE: config.signersFile },
          producersOfTopics([
            { name: this.topics.payments, producers: Topics.paymentsLifecycle.producers },
            { name: this.topics.cards, producers: Topics.cardsLifecycle.producers },
          ]),
        ),
      });
      await this.consumer.start();
    }

    const { state, recorder, rules } = this.risk;
    this.sweeper = setInterval(() => {
      state.windows.sweep(Date.now());
      const stats = state.windows.stats();
      for (const entity of WINDOW_ENTITIES) m.windowKeys.set({ entity }, stats.keys[entity]);
      m.backlog.set(recorder.backlog);
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    this.health.register('rules', async () => void rules.current());
    this.logger.info({ rules: rules.status() }, 'risk engine ready');
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.consumer?.stop();
    await this.worker?.stop();
    this.suspender.close?.();
    this.consumer = undefined;
    this.worker = undefined;
  }
}
