import 'reflect-metadata';
import { type AddressInfo } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { bootstrapService, createRuntimeParts, type RuntimeParts } from '@wxpay/runtime';
import { SimAppModule } from './app.module';
import { SERVICE, type SimConfig } from './config';
import { FaultPlan } from './faults/fault-plan';
import { loadOrCreateSimKeys, type SimKeys } from './keys/sim-keys';
import { readServerTls } from './keys/tls-material';
import { SwitchLifecycle } from './switch/switch-lifecycle';

export interface RunningUnionPaySim {
  app: INestApplication;
  tlsPort: number;
  /** Admin and health HTTP base, e.g. http://127.0.0.1:8091 */
  httpUrl: string;
  keys: SimKeys;
  faults: FaultPlan;
  /** Closes the TLS server (dropping connections), drains the issuer, closes HTTP and the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  databaseUrl?: string;
  parts?: RuntimeParts;
}

/** Loads keys and TLS material, then starts the Nest app (admin HTTP + switch). Used by main.ts and tests. */
export async function startUnionPaySim(
  config: SimConfig,
  options: StartOptions = {},
): Promise<RunningUnionPaySim> {
  const parts = options.parts ?? createRuntimeParts(SERVICE, { level: config.logLevel });
  const keys = await loadOrCreateSimKeys(config, parts.logger);
  const tls = await readServerTls(config.pkiDir, config.tlsIdentity);
  const app = await bootstrapService({
    parts,
    module: SimAppModule.forRoot({ parts, config, keys, tls, databaseUrl: options.databaseUrl }),
    httpPort: config.httpPort,
    httpHost: config.httpHost,
  });
  const { port } = app.getHttpServer().address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    app,
    tlsPort: app.get(SwitchLifecycle).port,
    httpUrl: `http://${config.httpHost}:${port}`,
    keys,
    faults: app.get(FaultPlan),
    close: () => (closing ??= app.close()),
  };
}
