import { randomUUID } from 'crypto';
import { mkdtemp, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  AutoRepaymentService,
  CreatePlanRequest,
  ListRunsRequest,
  Mode,
  type Plan,
  type Run,
  TokenizeRequest,
  TokenVaultService,
  Topics,
} from '@wxpay/contracts';
import {
  createServiceClient,
  type GrpcTlsConfig,
  type RequestOf,
  type ResponseOf,
  type ServiceClient,
} from '@wxpay/grpc';
import {
  ClusterApp,
  digitFreeKey,
  ensureDevPki,
  freePort,
  issueCertificate,
  readTlsMaterial,
  spiffeId,
  testKafka,
  type DevPki,
  UnionPaySimProcess,
  uniqueTestPan,
  WechatPaySimProcess,
} from '@wxpay/testing';
import { createWechatPayClientFromEnv, type WechatPayClient } from '@wxpay/wechatpay';
import { Client as PgClient } from 'pg';
import { loadConfig } from '../../src/config';

/** A digit-free idempotency key (the services refuse keys that could hide a card number; see digitFreeKey). */
export const key = (): string => digitFreeKey();

const testPan = (): string => uniqueTestPan('622203', 18);

export interface TestCard {
  token: string;
  accountId: number;
}

export interface TestContract {
  wechatPlanId: string;
  outContractCode: string;
  contractId: string;
  openid: string;
}

export type { Run };

export type AutoRepaymentClient = ServiceClient<typeof AutoRepaymentService>;
type AutoRepaymentMethod = keyof typeof AutoRepaymentService;
type RequestOfMethod<M extends AutoRepaymentMethod> = RequestOf<(typeof AutoRepaymentService)[M]>;
type ResponseOfMethod<M extends AutoRepaymentMethod> = ResponseOf<(typeof AutoRepaymentService)[M]>;

/**
 * Who the tests call AutoRepayment as, by method (the caller table): statements come from the card system, the
 * operator paths from the console, everything else from the bank channel.
 */
const CARD_SYSTEM_METHODS: readonly AutoRepaymentMethod[] = ['ingestStatement'];
const CONSOLE_METHODS: readonly AutoRepaymentMethod[] = ['retryPosting'];

/**
 * The cluster the repayment service works in, every part real and in its own process, as `npm start` runs them:
 * the WeChat Pay simulator, the UnionPay simulator (TLS switch), the vault, the payment service (it receives the
 * papay webhooks and forwards them to Kafka), and the repayment service itself with a controllable clock. All
 * gRPC is mutual TLS with the dev PKI: the tests call as the bank's channel backend (a certificate CN=e2e-client
 * with the `channel` identity: it binds cards at the vault and manages plans) and as the card system
 * (IngestStatement); Kafka and PostgreSQL are the real local ones.
 */
export class RepaymentCluster {
  pkiDir = '';
  wechat!: WechatPaySimProcess;
  unionpay!: UnionPaySimProcess;
  vault!: ClusterApp;
  payment!: ClusterApp;
  repayment!: ClusterApp;
  repaymentHttp = '';
  paymentHttp = '';
  private pki!: DevPki;
  private clientTls!: GrpcTlsConfig;
  private cardSystemTls!: GrpcTlsConfig;
  private cardSystemClient?: AutoRepaymentClient;
  private consoleTls!: GrpcTlsConfig;
  private consoleClient?: AutoRepaymentClient;
  private vaultPort = 0;
  private repaymentGrpc = 0;
  private client?: AutoRepaymentClient;
  private vaultClient?: ServiceClient<typeof TokenVaultService>;
  private merchant?: WechatPayClient;
  private db?: PgClient;
  private paymentDb?: PgClient;
  private readonly otherClients: AutoRepaymentClient[] = [];
  private readonly consumerGroup = `repayment-${randomUUID()}`;

  /** Overrides per process (benchmarks tune the simulator's persistence and the scheduler's batch sizes). */
  constructor(
    private readonly overrides: {
      wechatSim?: Record<string, string>;
      payment?: Record<string, string>;
      repayment?: Record<string, string>;
    } = {},
  ) {}

  async start(): Promise<this> {
    this.pkiDir = await mkdtemp(join(tmpdir(), 'repayment-e2e-pki-'));
    const pki = await ensureDevPki({
      dir: this.pkiDir,
      services: ['payment', 'tokenization', 'repayment', 'card-system', 'console'],
      simulators: ['unionpay-sim'],
    });
    this.pki = pki;
    this.clientTls = await this.channelBackendTls('e2e-client');
    this.cardSystemTls = { enabled: true, ...(await readTlsMaterial(pki.ca, pki.services['card-system']!)) };
    this.consoleTls = { enabled: true, ...(await readTlsMaterial(pki.ca, pki.services.console!)) };
    [this.wechat, this.unionpay] = await Promise.all([
      WechatPaySimProcess.start(this.overrides.wechatSim),
      UnionPaySimProcess.start(this.pkiDir),
    ]);
    const [vaultGrpc, vaultHttp, payHttp, payGrpc, repGrpc, repHttp] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    this.vaultPort = vaultGrpc;
    this.paymentHttp = `http://127.0.0.1:${payHttp}`;
    this.repaymentHttp = `http://127.0.0.1:${repHttp}`;
    this.repaymentGrpc = repGrpc;
    const keyDir = await mkdtemp(join(tmpdir(), 'repayment-e2e-vault-keys-'));
    this.vault = await new ClusterApp('tokenization', {
      TOKENIZATION_GRPC_PORT: String(vaultGrpc),
      TOKENIZATION_HTTP_PORT: String(vaultHttp),
      TOKENIZATION_KEY_DIR: keyDir,
      TOKENIZATION_AUDIT_CHECKPOINT_FILE: join(keyDir, '..', 'audit-checkpoints.jsonl'),
      PKI_DIR: this.pkiDir,
    }).start(`http://127.0.0.1:${vaultHttp}/health/ready`);
    this.payment = await new ClusterApp('payment', {
      GATEWAY_ENV: 'development',
      WECHATPAY_DEV_BUNDLE: this.wechat.bundlePath,
      WECHATPAY_BASE_URL: this.wechat.url,
      WECHATPAY_NOTIFY_BASE_URL: this.paymentHttp,
      PAYMENT_HTTP_PORT: String(payHttp),
      PAYMENT_GRPC_PORT: String(payGrpc),
      TOKENIZATION_GRPC_ADDRESS: `127.0.0.1:${vaultGrpc}`,
      // Risk is not on the papay path; the address is never called.
      RISK_GRPC_ADDRESS: '127.0.0.1:1',
      UNIONPAY_CHANNEL_ADDRESS: `127.0.0.1:${this.unionpay.tlsPort}`,
      UNIONPAY_ACQUIRER_BUNDLE: this.unionpay.bundlePath,
      UNIONPAY_SETTLEMENT_URL: this.unionpay.httpUrl,
      UNIONPAY_SETTLEMENT_TOKEN: this.unionpay.adminToken,
      PAYMENT_RECON_AT: 'off',
      PKI_DIR: this.pkiDir,
      ...this.overrides.payment,
    }).start(`${this.paymentHttp}/health/ready`);
    await this.skipTopicHistory();
    this.repayment = await new ClusterApp('repayment', this.repaymentEnv(repGrpc, repHttp, vaultGrpc)).start(
      `${this.repaymentHttp}/health/ready`,
    );
    this.db = new PgClient({ connectionString: this.repayment.databaseUrl });
    await this.db.connect();
    return this;
  }

  /**
   * The service's consumer groups are new for every cluster (clusters of parallel test files must not share
   * partitions), and a new group reads from the beginning: tens of thousands of old notifications from every
   * earlier test run, which delayed this cluster's own by a minute. Committing the current log ends for both
   * groups before the service starts makes it consume only what is published from now on. (The group names
   * follow RepaymentJobs' `<group>-statements` / `<group>-papay`; if they drift, history is replayed again.)
   */
  private async skipTopicHistory(): Promise<void> {
    const admin = testKafka('repayment-test-admin').admin();
    try {
      for (const [suffix, topic] of [
        ['statements', Topics.statements.name],
        ['papay', Topics.wechatpayNotifications.name],
      ] as const) {
        await admin.moveGroup(`${this.consumerGroup}-${suffix}`, topic, 'latest');
      }
    } finally {
      await admin.close();
    }
  }

  private repaymentEnv(grpc: number, http: number, vault: number): Record<string, string> {
    return {
      REPAYMENT_GRPC_PORT: String(grpc),
      REPAYMENT_HTTP_PORT: String(http),
      GATEWAY_ENV: 'development',
      WECHATPAY_DEV_BUNDLE: this.wechat.bundlePath,
      WECHATPAY_BASE_URL: this.wechat.url,
      REPAYMENT_NOTIFY_URL: `${this.paymentHttp}/notify/wechatpay/papay`,
      TOKENIZATION_GRPC_ADDRESS: `127.0.0.1:${vault}`,
      UNIONPAY_CHANNEL_ADDRESS: `127.0.0.1:${this.unionpay.tlsPort}`,
      UNIONPAY_ACQUIRER_BUNDLE: this.unionpay.bundlePath,
      UNIONPAY_TIMEOUT_MS: '3000',
      PKI_DIR: this.pkiDir,
      GRPC_TLS: 'on',
      REPAYMENT_CLOCK: 'controllable',
      REPAYMENT_SCHEDULER_POLL_MS: '200',
      // A job left RUNNING by a killed process is taken over after this (real time).
      REPAYMENT_JOB_LEASE_MS: '8000',
      REPAYMENT_CONSUMER_GROUP: this.consumerGroup,
      LOG_LEVEL: 'warn',
      ...this.overrides.repayment,
    };
  }

  /**
   * Mutual-TLS material of a certificate of the bank's channel backend: CN=`name`, identity `channel` (issued by
   * the services CA). Idempotency keys are scoped per certificate (`cn:<name>`).
   */
  private async channelBackendTls(name: string): Promise<GrpcTlsConfig> {
    const cert = await issueCertificate({
      dir: this.pkiDir,
      name,
      ca: this.pki.servicesCa,
      uri: spiffeId('channel'),
    });
    return { enabled: true, ...(await readTlsMaterial(this.pki.ca, cert)) };
  }

  // --- business time

  async setClock(instant: Date): Promise<void> {
    await this.postClock({ now: instant.toISOString() });
  }

  async advance(ms: number): Promise<void> {
    await this.postClock({ advanceMs: ms });
  }

  async now(): Promise<Date> {
    const res = await fetch(`${this.repaymentHttp}/admin/clock`);
    return new Date(((await res.json()) as { now: string }).now);
  }

  private async postClock(body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.repaymentHttp}/admin/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`clock refused: ${res.status} ${await res.text()}`);
  }

  // --- cards and contracts

  async seedCard(creditLimitMinor = 5_000_000): Promise<TestCard> {
    const pan = testPan();
    const account = await this.unionpay.seedAccount(pan, '3012', creditLimitMinor);
    this.vaultClient ??= createServiceClient(TokenVaultService, {
      address: `127.0.0.1:${this.vaultPort}`,
      tls: this.clientTls,
      server: 'tokenization',
      deadlineMs: 10_000,
    });
    const r = await this.vaultClient.tokenize(
      TokenizeRequest.fromPartial({
        idempotency_key: key(),
        cardholder_ref: `ch-${account.id}`,
        pan,
        expiry_month: '12',
        expiry_year: '2030',
      }),
    );
    return { token: r.token, accountId: account.id };
  }

  /** The cardholder signs a papay contract in WeChat (pre-sign by the bank, signature by the payer). */
  async signContract(balanceFen: number): Promise<TestContract> {
    const merchant = this.merchantClient();
    const wechatPlanId = '12535';
    const outContractCode = `C${key().slice(0, 20)}`;
    const openid = `o${key().slice(0, 27)}`;
    const pre = await merchant.papay.preEntrustSign({
      plan_id: wechatPlanId,
      out_contract_code: outContractCode,
      contract_display_account: '信用卡尾号0403',
      contract_notify_url: `${this.paymentHttp}/notify/wechatpay/papay`,
      sign_scene: 'SIGN_SCENE_APP',
    });
    const signed = await this.wechat.call<{ contract_id: string }>(
      'POST',
      `/sim/payer/contracts/${pre.pre_entrustweb_id}/sign`,
      { openid },
    );
    if (signed.status >= 300) throw new Error(`sign refused: ${JSON.stringify(signed.body)}`);
    await this.setBalance(openid, balanceFen);
    return { wechatPlanId, outContractCode, contractId: signed.body.contract_id, openid };
  }

  /** The bank's signed v3 client at the simulator (what the repayment service itself uses). */
  private merchantClient(): WechatPayClient {
    this.merchant ??= createWechatPayClientFromEnv(
      loadConfig({
        GATEWAY_ENV: 'development',
        WECHATPAY_DEV_BUNDLE: this.wechat.bundlePath,
        WECHATPAY_BASE_URL: this.wechat.url,
        UNIONPAY_ACQUIRER_BUNDLE: this.unionpay.bundlePath,
      }),
    );
    return this.merchant;
  }

  /** The contract's state as WeChat Pay reports it to the bank (SIGNED, TERMINATED, …). */
  async contractState(contract: TestContract): Promise<string> {
    const c = await this.merchantClient().papay.queryContract(
      contract.wechatPlanId,
      contract.outContractCode,
    );
    return c.contract_state;
  }

  async setBalance(openid: string, fen: number): Promise<void> {
    const r = await this.wechat.call('PUT', `/sim/payer/payers/${openid}/balance`, { balance_fen: fen });
    if (r.status >= 300) throw new Error(`balance refused: ${JSON.stringify(r.body)}`);
  }

  async balance(openid: string): Promise<number> {
    return (await this.wechat.call<{ balance_fen: number }>('GET', `/sim/payer/payers/${openid}/balance`))
      .body.balance_fen;
  }

  /** Binds a credit card with `availableFen` of credit to the payer's WeChat Pay wallet. */
  async bindCreditCard(openid: string, availableFen: number): Promise<void> {
    const r = await this.wechat.call('PUT', `/sim/payer/payers/${openid}/credit-card`, {
      available_fen: availableFen,
    });
    if (r.status >= 300) throw new Error(`credit card refused: ${JSON.stringify(r.body)}`);
  }

  async creditAvailable(openid: string): Promise<number | undefined> {
    const r = await this.wechat.call<{ credit_card: { available_fen: number } | null }>(
      'GET',
      `/sim/payer/payers/${openid}/credit-card`,
    );
    return r.body.credit_card?.available_fen;
  }

  async revokeContract(contractId: string): Promise<void> {
    const r = await this.wechat.call('POST', `/sim/payer/contracts/${contractId}/terminate`);
    if (r.status >= 300) throw new Error(`terminate refused: ${JSON.stringify(r.body)}`);
  }

  // --- the service

  private autoRepaymentClient(tls: GrpcTlsConfig): AutoRepaymentClient {
    return createServiceClient(AutoRepaymentService, {
      address: `127.0.0.1:${this.repaymentGrpc}`,
      tls,
      server: 'repayment',
      deadlineMs: 20_000,
    });
  }

  /** AutoRepayment as the bank's channel backend. */
  repaymentClient(): AutoRepaymentClient {
    this.client ??= this.autoRepaymentClient(this.clientTls);
    return this.client;
  }

  /** AutoRepayment as the issuer's card system (IngestStatement). */
  cardSystemRepaymentClient(): AutoRepaymentClient {
    this.cardSystemClient ??= this.autoRepaymentClient(this.cardSystemTls);
    return this.cardSystemClient;
  }

  /** AutoRepayment as the operations console (RetryPosting). */
  consoleRepaymentClient(): AutoRepaymentClient {
    this.consoleClient ??= this.autoRepaymentClient(this.consoleTls);
    return this.consoleClient;
  }

  /**
   * A call (`createPlan`, with the whole request: `CreatePlanRequest.fromPartial({…})`) as the given client, else as
   * the identity the method's caller table names (channel, card-system or console).
   */
  call<M extends AutoRepaymentMethod>(
    method: M,
    request: RequestOfMethod<M>,
    client: AutoRepaymentClient = CARD_SYSTEM_METHODS.includes(method)
      ? this.cardSystemRepaymentClient()
      : CONSOLE_METHODS.includes(method)
        ? this.consoleRepaymentClient()
        : this.repaymentClient(),
  ): Promise<ResponseOfMethod<M>> {
    const methods: { [K in AutoRepaymentMethod]: (r: RequestOfMethod<K>) => Promise<ResponseOfMethod<K>> } =
      client;
    return methods[method](request);
  }

  /**
   * A client of the repayment service presenting another certificate of the bank's channel backend (CN=`name`,
   * identity `channel`): another caller, with its own idempotency keys.
   */
  async repaymentClientAs(name: string): Promise<AutoRepaymentClient> {
    const client = this.autoRepaymentClient(await this.channelBackendTls(name));
    this.otherClients.push(client);
    return client;
  }

  async createPlan(
    card: TestCard,
    contract: TestContract,
    extra: Parameters<typeof CreatePlanRequest.fromPartial>[0] = {},
  ): Promise<Plan> {
    return this.call(
      'createPlan',
      CreatePlanRequest.fromPartial({
        idempotency_key: key(),
        card_token: card.token,
        contract: { wechat_plan_id: contract.wechatPlanId, out_contract_code: contract.outContractCode },
        mode: Mode.FULL,
        days_before_due: 3,
        ...extra,
      }),
    );
  }

  async run(statementId: string): Promise<Run> {
    const r = await this.call('listRuns', ListRunsRequest.fromPartial({ statement_id: statementId }));
    return r.runs[0]!;
  }

  /** Rows of the repayment service's own database (what the API does not expose: jobs, postings). */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db!.query(sql, params)).rows as T[];
  }

  /** Rows of the payment service's database (what it forwarded to Kafka: its outbox). */
  async paymentQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.paymentDb) {
      this.paymentDb = new PgClient({ connectionString: this.payment.databaseUrl });
      await this.paymentDb.connect();
    }
    return (await this.paymentDb.query(sql, params)).rows as T[];
  }

  async stop(): Promise<void> {
    this.client?.close();
    this.cardSystemClient?.close();
    this.consoleClient?.close();
    this.vaultClient?.close();
    for (const c of this.otherClients) c.close();
    await this.db?.end().catch(() => undefined);
    await this.paymentDb?.end().catch(() => undefined);
    for (const app of [this.repayment, this.payment, this.vault]) await app?.stop().catch(() => undefined);
    await Promise.all([this.wechat?.stop(), this.unionpay?.stop()]);
    await rm(this.pkiDir, { recursive: true, force: true });
  }
}
