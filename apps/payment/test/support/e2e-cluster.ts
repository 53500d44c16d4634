import { randomUUID } from 'crypto';
import { mkdtemp, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { type Client } from '@grpc/grpc-js';
import { type INestApplication } from '@nestjs/common';
import { protoPath } from '@wxpay/contracts';
import { createGrpcClient, type GrpcTlsConfig, loadProtos, unaryCall } from '@wxpay/grpc';
import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import {
  captureLogger,
  ClusterApp,
  createTestDatabase,
  digitFreeKey,
  ensureDevPki,
  freePort,
  readTlsMaterial,
  testBrokers,
  type TestDatabase,
  TsProcess,
  UnionPaySimProcess,
  uniqueTestPan,
  WechatPaySimProcess,
} from '@wxpay/testing';
import { PaymentAppModule } from '../../src/app.module';
import { PaymentRuntime } from '../../src/payment-jobs';
import { loadConfig } from '../../src/config';
import { PAYMENT_MIGRATIONS } from '../../src/persistence/migrations';
import { RiskStandIn, VaultStandIn } from './grpc-stand-ins';

/** Luhn-valid test card numbers in the 62 (UnionPay) range, distinct per call. */
export const testPan = (): string => uniqueTestPan('622202');

function randomToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let t = 'tok_';
  for (let i = 0; i < 26; i++) t += alphabet[Math.floor(Math.random() * alphabet.length)];
  return t;
}

export interface TestCard {
  token: string;
  accountId: number;
}

/**
 * The payment service against real infrastructure: PostgreSQL, Kafka, mutual TLS (a test PKI), gRPC, both
 * simulators as their own processes (WeChat Pay HTTP, UnionPay TLS switch) and gRPC stand-ins for risk and the
 * vault. The payment service runs in this process (or as its own, to be killed).
 */
/**
 * A random idempotency key without digits: the vault (and the gateway) refuse keys whose digit runs look like a
 * card number, which a random UUID's hex occasionally does once its dashes are ignored.
 */

export class E2eCluster {
  pkiDir = '';
  wechat!: WechatPaySimProcess;
  unionpay!: UnionPaySimProcess;
  risk = new RiskStandIn();
  vault = new VaultStandIn();
  db!: TestDatabase;
  serverTls!: GrpcTlsConfig;
  clientTls!: GrpcTlsConfig;
  httpPort = 0;
  grpcPort = 0;
  readonly log = captureLogger('info');
  app?: INestApplication;
  process?: TsProcess;
  private client?: Client;
  private vaultClient?: Client;
  private readonly extraEnv: Record<string, string>;
  private readonly services: ClusterApp[] = [];
  private riskPort = 0;
  private vaultPort = 0;

  /**
   * `realServices`: apps/tokenization and apps/risk as their own processes (for the benchmark) instead of the
   * gRPC stand-ins (tests need risk decisions they control). `riskRulesFile` replaces risk's rule set.
   */
  constructor(
    extraEnv: Record<string, string> = {},
    private readonly options: { realServices?: boolean; riskRulesFile?: string } = {},
  ) {
    this.extraEnv = extraEnv;
  }

  async start(label: string): Promise<this> {
    this.pkiDir = await mkdtemp(join(tmpdir(), 'payment-e2e-pki-'));
    const pki = await ensureDevPki({
      dir: this.pkiDir,
      services: ['payment', 'risk', 'tokenization', 'e2e-client'],
      simulators: ['unionpay-sim'],
    });
    const material = async (name: string): Promise<GrpcTlsConfig> => ({
      enabled: true,
      ...(await readTlsMaterial(pki.ca, pki.services[name]!)),
    });
    this.serverTls = await material('payment');
    this.clientTls = await material('e2e-client');
    [this.wechat, this.unionpay, this.db] = await Promise.all([
      WechatPaySimProcess.start(),
      UnionPaySimProcess.start(this.pkiDir),
      createTestDatabase({ migrations: PAYMENT_MIGRATIONS, label }),
    ]);
    if (this.options.realServices) {
      await this.startRealServices();
    } else {
      this.riskPort = (await this.risk.start(await material('risk'))).port;
      this.vaultPort = (await this.vault.start(await material('tokenization'))).port;
    }
    this.httpPort = await freePort();
    this.grpcPort = await freePort();
    return this;
  }

  /** The payment service's environment, as the launcher would give it. */
  env(): Record<string, string> {
    return {
      WECHATPAY_DEV_BUNDLE: this.wechat.bundlePath,
      WECHATPAY_BASE_URL: this.wechat.url,
      WECHATPAY_NOTIFY_BASE_URL: `http://127.0.0.1:${this.httpPort}`,
      PAYMENT_HTTP_PORT: String(this.httpPort),
      PAYMENT_GRPC_PORT: String(this.grpcPort),
      RISK_GRPC_ADDRESS: `127.0.0.1:${this.riskPort}`,
      RISK_DEADLINE_MS: '1000',
      TOKENIZATION_GRPC_ADDRESS: `127.0.0.1:${this.vaultPort}`,
      UNIONPAY_CHANNEL_ADDRESS: `127.0.0.1:${this.unionpay.tlsPort}`,
      UNIONPAY_ACQUIRER_BUNDLE: this.unionpay.bundlePath,
      UNIONPAY_SETTLEMENT_URL: this.unionpay.httpUrl,
      // Short enough for the timeout tests, long enough for four suites sharing two cores.
      UNIONPAY_TIMEOUT_MS: '3000',
      PKI_DIR: this.pkiDir,
      PAYMENT_JANITOR_INTERVAL_MS: '200',
      PAYMENT_AWAITING_POLL_MS: '2000',
      PAYMENT_LEASE_MS: '3000',
      PAYMENT_RECON_AT: 'off',
      LOG_LEVEL: 'info',
      ...this.extraEnv,
    };
  }

  /** Starts the payment service in this process (Nest, HTTP webhooks, gRPC, worker, janitor, relay). */
  async startPayment(): Promise<void> {
    const config = loadConfig(this.env());
    const parts = { ...createRuntimeParts('payment', { level: 'info' }), logger: this.log.logger };
    this.app = await bootstrapService({
      parts,
      module: PaymentAppModule.forRoot({
        config,
        parts,
        tls: this.serverTls,
        databaseUrl: this.db.url,
        brokers: testBrokers(),
      }),
      httpPort: this.httpPort,
      httpHost: '127.0.0.1',
      rawBody: true,
    });
    this.grpcPort = this.app.get(PaymentRuntime).grpcPort;
    await this.ready();
  }

  /** Ready: database, Kafka and the UnionPay channel signed on. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${this.httpPort}/health/ready`).catch(() => undefined);
      if (res?.ok) return;
      if (Date.now() > deadline)
        throw new Error(`payment not ready: ${res ? await res.text() : 'no answer'}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stopPayment(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  /** Starts apps/payment/src/main.ts as its own process (for the crash test). */
  async startPaymentProcess(): Promise<TsProcess> {
    this.process = new TsProcess('payment', 'apps/payment/src/main.ts', {
      ...this.env(),
      PAYMENT_DATABASE_URL: this.db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      GRPC_TLS: 'on',
    }).start();
    await this.process.ready(`http://127.0.0.1:${this.httpPort}/health/ready`);
    return this.process;
  }

  private async startRealServices(): Promise<void> {
    const [vaultGrpc, vaultHttp, riskGrpc, riskHttp] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const keyDir = await mkdtemp(join(tmpdir(), 'payment-e2e-vault-keys-'));
    this.services.push(
      await new ClusterApp('tokenization', {
        TOKENIZATION_GRPC_PORT: String(vaultGrpc),
        TOKENIZATION_HTTP_PORT: String(vaultHttp),
        TOKENIZATION_KEY_DIR: keyDir,
        PKI_DIR: this.pkiDir,
      }).start(`http://127.0.0.1:${vaultHttp}/health/ready`),
    );
    this.services.push(
      await new ClusterApp('risk', {
        RISK_GRPC_PORT: String(riskGrpc),
        RISK_HTTP_PORT: String(riskHttp),
        TOKENIZATION_GRPC_ADDR: `127.0.0.1:${vaultGrpc}`,
        RISK_CONSUMER_GROUP: `risk-${randomUUID()}`,
        RISK_RULES_WATCH: 'off',
        ...(this.options.riskRulesFile ? { RISK_RULES_FILE: this.options.riskRulesFile } : {}),
        PKI_DIR: this.pkiDir,
      }).start(`http://127.0.0.1:${riskHttp}/health/ready`),
    );
    this.vaultPort = vaultGrpc;
    this.riskPort = riskGrpc;
  }

  async seedCard(): Promise<TestCard> {
    const pan = testPan();
    const account = await this.unionpay.seedAccount(pan, '3012');
    if (!this.options.realServices) {
      const token = randomToken();
      this.vault.cards.set(token, { pan, expiry_month: '12', expiry_year: '2030' });
      return { token, accountId: account.id };
    }
    this.vaultClient ??= createGrpcClient(
      loadProtos([protoPath('gateway/tokenization/v1/tokenization.proto')]),
      'gateway.tokenization.v1.TokenVault',
      `127.0.0.1:${this.vaultPort}`,
      this.clientTls,
    );
    const r = await unaryCall<{ token: string }>(
      this.vaultClient,
      'Tokenize',
      {
        idempotency_key: digitFreeKey(),
        cardholder_ref: `bench-${account.id}`,
        pan,
        expiry_month: '12',
        expiry_year: '2030',
      },
      { deadlineMs: 10_000 },
    );
    return { token: r.token, accountId: account.id };
  }

  payments(): Client {
    this.client ??= createGrpcClient(
      loadProtos([protoPath('gateway/payment/v1/payment.proto')]),
      'gateway.payment.v1.Payments',
      `127.0.0.1:${this.grpcPort}`,
      this.clientTls,
    );
    return this.client;
  }

  call<T = Record<string, unknown>>(
    method: string,
    request: Record<string, unknown>,
    deadlineMs = 20_000,
  ): Promise<T> {
    return unaryCall<T>(this.payments(), method, request, { deadlineMs });
  }

  createRequest(
    card: TestCard,
    amountMinor: number,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      idempotency_key: digitFreeKey(),
      card_token: card.token,
      amount: { amount_minor: String(amountMinor), currency: 'CNY' },
      merchant_id: 'm-coffee',
      mcc: '5814',
      scene: 'ONLINE',
      trade_type: 'JSAPI',
      payer: { openid: 'oPayer000000000000000000001', ip: '203.0.113.9' },
      device: { device_id: 'device-1' },
      description: 'Coffee and cake',
      ...extra,
    };
  }

  async getPayment(paymentId: string): Promise<Record<string, unknown>> {
    return this.call('GetPayment', { payment_id: paymentId });
  }

  async stop(): Promise<void> {
    this.client?.close();
    this.vaultClient?.close();
    await this.stopPayment().catch(() => undefined);
    await this.process?.stop().catch(() => undefined);
    for (const s of this.services.reverse()) await s.stop();
    await Promise.all([this.wechat?.stop(), this.unionpay?.stop(), this.risk.stop(), this.vault.stop()]);
    await this.db?.drop();
    await rm(this.pkiDir, { recursive: true, force: true });
  }
}
