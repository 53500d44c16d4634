import 'reflect-metadata';
import { type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type AddressInfo } from 'node:net';
import { type SimConfig } from './config/sim-config';
import { MerchantChecks } from './domain/merchant-checks';
import { OrdersService } from './domain/orders-service';
import { ContractSeeder } from './domain/contract-seeder';
import { ContractsService } from './domain/contracts-service';
import { DeductionsService } from './domain/deductions-service';
import { RefundsService } from './domain/refunds-service';
import { SimTimers } from './domain/sim-timers';
import { FaultInjector } from './faults/fault-injector';
import { SimExceptionFilter } from './http/sim-exception.filter';
import { WechatPayResponder } from './http/wechatpay-responder';
import { KeyMaterial } from './keys/key-material';
import { NestLoggerAdapter, type SimLogger } from './logging/logger';
import { NotificationDispatcher } from './notifications/notification-dispatcher';
import { SimModule } from './sim.module';
import { SimSettings } from './sim-settings';
import { ADMIN_TOKEN } from '@wxpay/runtime';
import { StateStore } from './store/state-store';

export interface RunningSim {
  /** e.g. http://127.0.0.1:8090 */
  readonly url: string;
  readonly port: number;
  readonly keys: KeyMaterial;
  readonly faults: FaultInjector;
  readonly dispatcher: NotificationDispatcher;
  /** Stops timers and deliveries, closes the server (dropping open connections), flushes state to disk. */
  close(): Promise<void>;
}

/** Largest request body accepted; WeChat's own bodies are a few KiB. */
const BODY_LIMIT = '1mb';

/** Loads state and keys, wires the services, and listens. Used by main.ts and by tests (port 0). */
export async function startSim(config: SimConfig, logger: SimLogger): Promise<RunningSim> {
  const store = await StateStore.open(config.dataDir, logger, config.persistMs);
  const keys = await KeyMaterial.loadOrCreate(config, logger);
  const settings = new SimSettings(config);
  const faults = new FaultInjector();
  const timers = new SimTimers();
  const dispatcher = new NotificationDispatcher(store, keys, faults, settings, logger);
  const checks = new MerchantChecks(keys, settings);
  const orders = new OrdersService(store, keys, checks, dispatcher);
  const refunds = new RefundsService(store, keys, checks, dispatcher, faults, settings, timers);
  const contracts = new ContractsService(store, keys, checks, dispatcher);
  const deductions = new DeductionsService(store, contracts, checks, dispatcher, settings, timers);
  const seeder = new ContractSeeder(store, keys, contracts);
  const responder = new WechatPayResponder(keys, faults);

  const providers: Provider[] = [
    { provide: StateStore, useValue: store },
    { provide: KeyMaterial, useValue: keys },
    { provide: SimSettings, useValue: settings },
    { provide: ADMIN_TOKEN, useValue: config.adminToken ?? '' },
    { provide: FaultInjector, useValue: faults },
    { provide: NotificationDispatcher, useValue: dispatcher },
    { provide: OrdersService, useValue: orders },
    { provide: RefundsService, useValue: refunds },
    { provide: ContractsService, useValue: contracts },
    { provide: DeductionsService, useValue: deductions },
    { provide: ContractSeeder, useValue: seeder },
    { provide: WechatPayResponder, useValue: responder },
  ];
  const app = await NestFactory.create<NestExpressApplication>(SimModule.register(providers), {
    bodyParser: false,
    logger: new NestLoggerAdapter(logger),
    forceCloseConnections: true,
  });
  // Raw bytes for every request: signatures are checked over the body exactly as received.
  app.disable('x-powered-by');
  app.useBodyParser('raw', { type: () => true, limit: BODY_LIMIT });
  app.useGlobalFilters(new SimExceptionFilter(responder, logger));
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;

  dispatcher.resume();
  refunds.resume();
  deductions.resume();

  let closed: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    keys,
    faults,
    dispatcher,
    close: () =>
      (closed ??= (async () => {
        dispatcher.close();
        timers.close();
        await app.close();
        await store.flush();
      })()),
  };
}
