import { SignOnReplayGuard } from '@wxpay/unionpay';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type HealthRegistry, type Logger, type Metrics } from '@wxpay/observability';
import { HEALTH, LOGGER, METRICS } from '@wxpay/runtime';
import { type SimConfig } from '../config';
import { FaultPlan } from '../faults/fault-plan';
import { LedgerBatcher } from '../issuer/ledger-batcher';
import { type SimKeys } from '../keys/sim-keys';
import { type ServerTls } from '../keys/tls-material';
import { SERVER_TLS, SIM_CONFIG, SIM_KEYS } from '../sim-tokens';
import { InstitutionRegistry } from './institution-registry';
import { SwitchServer } from './switch-server';

/** Starts the TLS switch once the app (and its database) is up; stops it first on shutdown. */
@Injectable()
export class SwitchLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly server: SwitchServer;
  port = 0;

  constructor(
    @Inject(SIM_CONFIG) private readonly config: SimConfig,
    @Inject(SIM_KEYS) keys: SimKeys,
    @Inject(SERVER_TLS) tls: ServerTls,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(HEALTH) private readonly health: HealthRegistry,
    @Inject(METRICS) metrics: Metrics,
    institutions: InstitutionRegistry,
    private readonly ledger: LedgerBatcher,
    faults: FaultPlan,
  ) {
    const answers = metrics.counter({
      name: 'unionpay_sim_messages_total',
      help: 'Answers the simulated switch produced, by answer MTI and response code',
      labelNames: ['mti', 'response_code'],
    });
    const signOns = new SignOnReplayGuard();
    this.server = new SwitchServer(
      { config, keys, institutions, ledger, faults, logger, answers, signOns },
      tls,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.port = await this.server.listen(this.config.tlsHost, this.config.tlsPort);
    this.health.register('switch', () => {
      if (!this.server.listening) throw new Error('switch is not listening');
    });
    this.logger.info({ tls: `${this.config.tlsHost}:${this.port}` }, 'unionpay switch listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server.close();
    await this.ledger.drained();
  }
}
