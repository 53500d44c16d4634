import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WechatPayClient, WechatPayKeyStore, type WechatPayClientOptions } from '@wxpay/wechatpay';
import { loadSimConfig, type SimConfig } from '../../src/config/sim-config';
import { createSimLogger } from '../../src/logging/logger';
import { startSim, type RunningSim } from '../../src/sim-app';

export const silentLogger = createSimLogger({ level: process.env.SIM_TEST_LOG ?? 'silent' });

export async function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'wechatpay-sim-test-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function simConfig(dataDir: string, env: Record<string, string> = {}): SimConfig {
  return loadSimConfig({
    GATEWAY_ENV: 'development', // most suites drive /sim/admin without a token
    WECHATPAY_SIM_PORT: '0',
    WECHATPAY_SIM_DATA_DIR: dataDir,
    WECHATPAY_SIM_REFUND_DELAY_SECONDS: '0.05',
    WECHATPAY_SIM_DEDUCTION_DELAY_SECONDS: '0.05',
    WECHATPAY_SIM_NOTIFY_TIMEOUT_MS: '2000',
    ...env,
  });
}

export async function startTestSim(dataDir: string, env: Record<string, string> = {}): Promise<RunningSim> {
  return startSim(simConfig(dataDir, env), silentLogger);
}

export type KeySetup = 'public-key' | 'certificate' | 'both' | 'none';

/** The merchant side as the payment service will build it, from what the simulator hands out. */
export function merchantClient(
  sim: RunningSim,
  keys: KeySetup = 'public-key',
  extra: Partial<WechatPayClientOptions> = {},
): WechatPayClient {
  const b = sim.keys.merchantBundle() as {
    mchid: string;
    appid: string;
    publicKeyId: string;
    publicKeyPem: string;
    platformCertificates: Array<{ pem: string }>;
    merchantPrivateKeyFile: string;
    merchantSerial: string;
    apiV3KeyFile: string;
  };
  const store = new WechatPayKeyStore();
  if (keys === 'public-key' || keys === 'both') store.addPublicKey(b.publicKeyId, b.publicKeyPem);
  if (keys === 'certificate' || keys === 'both')
    for (const c of b.platformCertificates) store.addPlatformCertificate(c.pem);
  return new WechatPayClient({
    mchid: b.mchid,
    appid: b.appid,
    merchantPrivateKey: createPrivateKey(readFileSync(b.merchantPrivateKeyFile)),
    merchantCertificateSerial: b.merchantSerial,
    apiV3Key: readFileSync(b.apiV3KeyFile),
    keyStore: store,
    baseUrl: sim.url,
    backoffBaseMs: 5,
    ...extra,
  });
}

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly path: string;
  readonly status: number;
}

/**
 * The merchant's webhook endpoint: records every delivery and answers with `respond` (204 by default).
 */
export class NotifyReceiver {
  readonly received: Received[] = [];
  respond: (headers: IncomingHttpHeaders, body: Buffer) => Promise<number> | number = () => 204;
  private server: Server | undefined;
  private waiters: Array<() => void> = [];

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        void Promise.resolve(this.respond(req.headers, body)).then((status) => {
          this.received.push({ headers: req.headers, body, path: req.url ?? '', status });
          res.statusCode = status;
          res.end(status >= 300 ? '{"code":"FAIL","message":"失败"}' : undefined);
          for (const w of this.waiters.splice(0)) w();
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits until `predicate` holds over the deliveries (fails after `timeoutMs`). */
  async waitFor(predicate: (r: Received[]) => boolean, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting; ${this.received.length} deliveries so far`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50).unref();
      });
    }
    return this.received;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }
}

/** Polls until `check` returns a value (for async state changes inside the simulator). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function simPost(
  sim: RunningSim,
  path: string,
  body: unknown = {},
  method = 'POST',
): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}
