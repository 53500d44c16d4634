import { Module, type DynamicModule } from '@nestjs/common';
import { type Logger } from '@wxpay/observability';
import {
  ADMIN_TOKEN,
  DATA_SOURCE,
  DatabaseModule,
  LOGGER,
  RuntimeModule,
  type RuntimeParts,
} from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { AccountsController } from './admin/accounts.controller';
import { FaultsController } from './admin/faults.controller';
import { SettlementController } from './admin/settlement.controller';
import { SwitchController } from './admin/switch.controller';
import { SERVICE, type SimConfig } from './config';
import { FaultPlan } from './faults/fault-plan';
import { CardAccounts } from './issuer/card-accounts';
import { LedgerBatcher } from './issuer/ledger-batcher';
import { type SimKeys } from './keys/sim-keys';
import { type ServerTls } from './keys/tls-material';
import { SIM_MIGRATIONS } from './migrations/sim-schema.migration';
import { SettlementService } from './settlement/settlement.service';
import { SERVER_TLS, SIM_CONFIG, SIM_KEYS } from './sim-tokens';
import { InstitutionRegistry } from './switch/institution-registry';
import { SwitchLifecycle } from './switch/switch-lifecycle';

export interface SimModuleOptions {
  parts: RuntimeParts;
  config: SimConfig;
  keys: SimKeys;
  tls: ServerTls;
  /** Tests pass their own database; the service otherwise uses UNIONPAY_SIM_DATABASE_URL. */
  databaseUrl?: string;
}

@Module({})
export class SimAppModule {
  static forRoot(o: SimModuleOptions): DynamicModule {
    return {
      module: SimAppModule,
      imports: [
        RuntimeModule.forRoot(o.parts),
        DatabaseModule.forRoot({ service: SERVICE, migrations: SIM_MIGRATIONS, url: o.databaseUrl }),
      ],
      controllers: [AccountsController, FaultsController, SettlementController, SwitchController],
      providers: [
        { provide: SIM_CONFIG, useValue: o.config },
        { provide: ADMIN_TOKEN, useValue: o.config.adminToken },
        { provide: SIM_KEYS, useValue: o.keys },
        { provide: SERVER_TLS, useValue: o.tls },
        { provide: FaultPlan, useValue: new FaultPlan() },
        {
          provide: InstitutionRegistry,
          inject: [DATA_SOURCE, LOGGER],
          useFactory: async (ds: DataSource, logger: Logger) => {
            const registry = new InstitutionRegistry(ds, logger);
            await registry.load();
            if (o.keys.devAcquirer)
              await registry.register(o.keys.devAcquirer.id, o.keys.devAcquirer.publicKey);
            return registry;
          },
        },
        {
          provide: LedgerBatcher,
          inject: [DATA_SOURCE, LOGGER],
          useFactory: (ds: DataSource, logger: Logger) =>
            new LedgerBatcher(ds, logger, o.config.batchMax, o.config.syncCommit),
        },
        {
          provide: CardAccounts,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => new CardAccounts(ds, o.keys.panIndexKey),
        },
        {
          provide: SettlementService,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => new SettlementService(ds, o.config.dataDir, o.config.switchId),
        },
        SwitchLifecycle,
      ],
    };
  }
}
