import { randomUUID } from 'crypto';
import { mkdtemp, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { type INestApplication } from '@nestjs/common';
import {
  CancelPaymentRequest,
  CheckLedgerRequest,
  CreatePaymentRequest,
  GetPaymentRequest,
  ListPaymentsRequest,
  PaymentsService,
  RefundPaymentRequest,
  ListReconciliationBreaksRequest,
  ResolveReconciliationBreakRequest,
  RetryCaptureRequest,
  RunReconciliationRequest,
  TokenVaultService,
} from '@wxpay/contracts';
import { createServiceClient, type GrpcTlsConfig, type ServiceClient } from '@wxpay/grpc';
import { bootstrapService, createRuntimeParts, grpcPortOf } from '@wxpay/runtime';
import {
  captureLogger,
  ClusterApp,
  createTestDatabase,
  digitFreeKey,
  ensureDevPki,
  freePort,
  readTlsMaterial,
  testBrokers,
  testEventKeys,
  testKafkaConnection,
  type TestDatabase,
  TsProcess,
  UnionPaySimProcess,
  uniqueTestPan,
  WechatPaySimProcess,
} from '@wxpay/testing';
import { paymentGrpcEdge } from '../../src/api/grpc-edge';
import { paymentHttpAdapter } from '../../src/api/http-adapter';
import { PaymentAppModule } from '../../src/app.module';
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

type PaymentsMethod = keyof typeof PaymentsService;

/** Each Payments method's request from a partial one (the generated codecs want every field). */
const REQUESTS: Record<PaymentsMethod, (partial: object) => unknown> = {
  createPayment: (r) => CreatePaymentRequest.fromPartial(r),
  getPayment: (r) => GetPaymentRequest.fromPartial(r),
  listPayments: (r) => ListPaymentsRequest.fromPartial(r),
  refundPayment: (r) => RefundPaymentRequest.fromPartial(r),
  cancelPayment: (r) => CancelPaymentRequest.fromPartial(r),
  runReconciliation: (r) => RunReconciliationRequest.fromPartial(r),
  checkLedger: (r) => CheckLedgerRequest.fromPartial(r),
  retryCapture: (r) => RetryCaptureRequest.fromPartial(r),
  resolveReconciliationBreak: (r) => ResolveReconciliationBreakRequest.fromPartial(r),
  listReconciliationBreaks: (r) => ListReconciliationBreaksRequest.fromPartial(r),
};

/** Who calls what in these tests: payments are the bank channel's; reconciliation, the ledger and the operator paths the console's. */
const CONSOLE_METHODS: readonly PaymentsMethod[] = [
  'runReconciliation',
  'checkLedger',
  'retryCapture',
  'resolveReconciliationBreak',
  'listReconciliationBreaks',
];

/** The identities the tests call as (the caller table: channel pays, the console operates). */
export const CLIENT_NAMES = ['channel', 'console', 'payment', 'repayment', 'risk', 'card-system'] as const;

export interface TestCard {
  token: string;
  accountId: number;
  /** The generated card number, for tests that look for it where it must never be. */
  pan: string;
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
  /** mutual-TLS material of each client identity (CLIENT_NAMES) and of the simulator `unionpay-sim`. */
  readonly clientTls = new Map<string, GrpcTlsConfig>();
  httpPort = 0;
  grpcPort = 0;
  readonly log = captureLogger('info');
  app?: INestApplication;
  process?: TsProcess;
  private readonly clients = new Map<string, ServiceClient<typeof PaymentsService>>();
  private vaultClient?: ServiceClient<typeof TokenVaultService>;
  private readonly extraEnv: Record<string, string>;
  private readonly services: ClusterApp[] = [];
  private riskPort = 0;
  private vaultPort = 0;

  /**
   * `realServices`: apps/tokenization and apps/risk as their own processes (for the benchmark) instead of the
   * gRPC stand-ins (tests need risk decisions they control). `riskRulesFile` replaces risk's rule set;
   * `serviceEnv` is added to those two services' environment.
   */
  constructor(
    extraEnv: Record<string, string> = {},
    private readonly options: {
      realServices?: boolean;
      riskRulesFile?: string;
      serviceEnv?: Record<string, string>;
    } = {},
  ) {
    this.extraEnv = extraEnv;
  }

  async start(label: string): Promise<this> {
    this.pkiDir = await mkdtemp(join(tmpdir(), 'payment-e2e-pki-'));
    const pki = await ensureDevPki({
      dir: this.pkiDir,
      services: [...new Set(['payment', 'tokenization', ...CLIENT_NAMES])],
      simulators: ['unionpay-sim'],
    });
    const material = async (name: string): Promise<GrpcTlsConfig> => ({
      enabled: true,
      ...(await readTlsMaterial(pki.ca, pki.services[name] ?? pki.simulators[name]!)),
    });
    this.serverTls = await material('payment');
    for (const name of [...CLIENT_NAMES, 'unionpay-sim']) this.clientTls.set(name, await material(name));
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
      GATEWAY_ENV: 'development',
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
      UNIONPAY_SETTLEMENT_TOKEN: this.unionpay.adminToken,
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

  /**
   * Starts the payment service in this process (Nest, HTTP webhooks, gRPC, worker, janitor, relay), on the test
   * database or through `databaseUrl` (e.g. a proxy the test can cut).
   */
  async startPayment(databaseUrl = this.db.url): Promise<void> {
    const config = loadConfig(this.env());
    const parts = { ...createRuntimeParts('payment', { level: 'info' }), logger: this.log.logger };
    const options = { config, tls: this.serverTls };
    this.app = await bootstrapService({
      parts,
      module: PaymentAppModule.forRoot({
        ...options,
        parts,
        databaseUrl,
        kafka: testKafkaConnection(),
        // Signed as the payment service, or the risk process it starts refuses its events.
        eventSigningEnv: testEventKeys().signingEnv('payment'),
      }),
      httpPort: this.httpPort,
      httpHost: '127.0.0.1',
      rawBody: true,
      httpAdapter: paymentHttpAdapter(),
      grpc: (app) => paymentGrpcEdge(app, options),
    });
    this.grpcPort = grpcPortOf(this.app)!;
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
      ...testEventKeys().signingEnv('payment'),
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
        TOKENIZATION_AUDIT_CHECKPOINT_FILE: join(keyDir, '..', 'audit-checkpoints.jsonl'),
        PKI_DIR: this.pkiDir,
        ...this.options.serviceEnv,
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
        ...this.options.serviceEnv,
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
      return { token, accountId: account.id, pan };
    }
    // Binding a card at the vault is the bank channel's (the vault's caller table).
    this.vaultClient ??= createServiceClient(TokenVaultService, {
      address: `127.0.0.1:${this.vaultPort}`,
      tls: this.clientTls.get('channel')!,
      server: 'tokenization',
      deadlineMs: 10_000,
    });
    const r = await this.vaultClient.tokenize({
      idempotency_key: digitFreeKey(),
      cardholder_ref: `bench-${account.id}`,
      pan,
      expiry_month: '12',
      expiry_year: '2030',
      cvn2: '',
    });
    return { token: r.token, accountId: account.id, pan };
  }

  /** A Payments client with the given identity (TLS material), expecting the server to be `server`. */
  payments(identity = 'channel', server = 'payment'): ServiceClient<typeof PaymentsService> {
    const key = `${identity}>${server}`;
    let client = this.clients.get(key);
    if (!client) {
      client = createServiceClient(PaymentsService, {
        address: `127.0.0.1:${this.grpcPort}`,
        tls: this.clientTls.get(identity)!,
        server,
        deadlineMs: 20_000,
        channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** A method's complete request from a partial one. */
  requestOf(method: PaymentsMethod, partial: object): unknown {
    return REQUESTS[method](partial);
  }

  /**
   * A Payments method by its RPC name ('CreatePayment'), from a partial request, as the bank channel (payments)
   * or the console (reconciliation, ledger) calls it.
   */
  call<T = Record<string, unknown>>(
    method: string,
    request: Record<string, unknown>,
    deadlineMs = 20_000,
    identity?: string,
  ): Promise<T> {
    const key = (method[0]!.toLowerCase() + method.slice(1)) as PaymentsMethod;
    const caller = identity ?? (CONSOLE_METHODS.includes(key) ? 'console' : 'channel');
    const fn = this.payments(caller)[key] as (r: unknown, o: { deadlineMs: number }) => Promise<unknown>;
    return fn(REQUESTS[key](request), { deadlineMs }) as Promise<T>;
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
    for (const client of this.clients.values()) client.close();
    this.vaultClient?.close();
    await this.stopPayment().catch(() => undefined);
    await this.process?.stop().catch(() => undefined);
    for (const s of this.services.reverse()) await s.stop();
    await Promise.all([this.wechat?.stop(), this.unionpay?.stop(), this.risk.stop(), this.vault.stop()]);
    await this.db?.drop();
    await rm(this.pkiDir, { recursive: true, force: true });
  }
}
