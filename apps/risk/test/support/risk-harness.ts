import { type Client, type ServiceError } from '@grpc/grpc-js';
import { type INestApplication } from '@nestjs/common';
import { protoPath } from '@wxpay/contracts';
import { loadProtos, type GrpcTlsConfig } from '@wxpay/grpc';
import {
  createKafka,
  eventSignerFromEnv,
  OutboxRelay,
  type EventPublisher,
  type EventSigner,
} from '@wxpay/messaging';
import { createMetrics, HealthRegistry } from '@wxpay/observability';
import { bootstrapService, grpcPortOf } from '@wxpay/runtime';
import {
  createGrpcClient,
  captureLogger,
  createTestDatabase,
  createTestTopic,
  ensureDevPki,
  testKafkaConnection,
  testEventKeys,
  testKafka,
  uniqueName,
  type TestDatabase,
  unaryCall,
} from '@wxpay/testing';
import { createHash, randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadRiskConfig, type RiskConfig } from '../../src/config';
import { riskGrpcEdge } from '../../src/api/grpc-edge';
import { RiskAppModule } from '../../src/app.module';
import { RISK_MIGRATIONS } from '../../src/persistence/migrations';
import { Risk } from '../../src/risk-core.module';
import { type RiskTopics } from '../../src/risk-options';
import { RecordingTokenSuspender } from './recording-token-suspender';

const RISK_ENGINE_SERVICE = 'gateway.risk.v1.RiskEngine';

/**
 * Identities of the test PKI: the service itself, its callers on the caller table (payment evaluates, the console
 * administers) and services that are on none of RiskEngine's lists.
 */
export const CLIENT_NAMES = [
  'payment',
  'console',
  'tokenization',
  'repayment',
  'channel',
  'card-system',
  'risk',
] as const;
/** A counterparty simulator's identity: its certificate comes from the counterparty CA, not the services CA. */
export const SIMULATOR = 'wechatpay-sim';

export const riskPackage = loadProtos([protoPath('gateway/risk/v1/risk.proto')]);

/** A well-formed vault token (tok_ + 26 base32 characters) derived from a readable name. */
export function tok(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (let i = 0; i < 26; i++) out += alphabet[digest[i]! & 31];
  return `tok_${out}`;
}

export interface EvaluateReply {
  decision_id: string;
  decision: 'APPROVE' | 'REVIEW' | 'REJECT';
  score: number;
  reasons: { code: string; value: string; rule_id: string; score: number }[];
  rule_set_version: string;
  evaluated_at: string;
}

export function tlsOf(dir: string, name: string): GrpcTlsConfig {
  return {
    enabled: true,
    ca: readFileSync(join(dir, 'ca.crt')),
    cert: readFileSync(join(dir, `${name}.crt`)),
    key: readFileSync(join(dir, `${name}.key`)),
  };
}

/** A valid Evaluate request for an ordinary daytime coffee in Beijing, now. */
export function evaluateRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    attempt_id: `pay-${randomUUID()}`,
    card_token: tok('int_a'),
    amount_minor: '3200',
    currency: 'CNY',
    merchant_id: 'mch-coffee',
    mcc: '5814',
    scene: 'ONLINE',
    payer_id: 'openid-a',
    device_id: 'dev-a',
    ip: '10.1.2.3',
    geo: { coordinates: { lat: 39.9042, lon: 116.4074 }, country: 'CN', city: 'Beijing' },
    occurred_at: new Date().toISOString(),
    ...overrides,
  };
}

/** A producer's signer with the test keys risk accepts. */
export function signerOf(producer: string): EventSigner {
  return eventSignerFromEnv(producer, testEventKeys().signingEnv(producer))!;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  consume?: boolean;
}

/** The running service as the tests see it: its in-memory state, its decision backlog, and a stop. */
export class RunningRisk {
  private stopped?: Promise<void>;

  constructor(readonly app: INestApplication) {}

  get state(): Risk['state'] {
    return this.app.get(Risk).state;
  }

  get decisionBacklog(): number {
    return this.app.get(Risk).decisionBacklog;
  }

  /** Stops taking calls, stores buffered decisions, stops consuming (Nest's shutdown); safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= this.app.close();
    return this.stopped;
  }
}

/**
 * A risk service on a fresh test database and its own Kafka topics, with the outbox relay running, a recording
 * stand-in for the vault, and gRPC clients over real mutual TLS (as the payment service and as the operations
 * console). The service is started as main.ts starts it (Nest app, gRPC edge with the caller table).
 */
export class RiskHarness {
  readonly pkiDir = mkdtempSync(join(tmpdir(), 'risk-pki-'));
  readonly suspender = new RecordingTokenSuspender();
  readonly log = captureLogger('warn');
  runtime!: RunningRisk;
  db!: TestDatabase;
  topics!: RiskTopics;
  config!: RiskConfig;
  address!: string;
  payment!: Client;
  admin!: Client;
  private relay!: OutboxRelay;
  private producer?: EventPublisher;
  private readonly groupId = uniqueName('risk');

  constructor(private readonly opts: HarnessOptions = {}) {}

  async start(): Promise<this> {
    await ensureDevPki({ dir: this.pkiDir, services: [...CLIENT_NAMES], simulators: [SIMULATOR] });
    this.db = await createTestDatabase({ migrations: RISK_MIGRATIONS, label: 'risk' });
    const [payments, cards, decisions, alerts] = await Promise.all([
      createTestTopic('payments', 3),
      createTestTopic('cards', 1),
      createTestTopic('decisions', 1),
      createTestTopic('alerts', 1),
    ]);
    this.topics = { payments, cards, decisions, alerts };
    this.relay = new OutboxRelay({
      dataSource: this.db.dataSource,
      kafka: createKafka({
        clientId: 'risk-test-relay',
        connection: testKafkaConnection(),
        logger: this.log.logger,
      }),
      logger: this.log.logger,
      pollIntervalMs: 200,
    });
    await this.relay.start();
    await this.startRuntime();
    return this;
  }

  /** A new runtime on the same database: what a restart of the service sees. */
  async restart(): Promise<void> {
    await this.runtime.stop();
    this.payment.close();
    this.admin.close();
    await this.startRuntime();
  }

  private async startRuntime(): Promise<void> {
    this.config = loadRiskConfig({
      RISK_GRPC_PORT: '0',
      RISK_DECISION_FLUSH_MS: '5',
      RISK_CONSUMER_GROUP: this.groupId,
      RISK_RULES_WATCH: 'off',
      LOG_LEVEL: 'warn',
      EVENT_SIGNERS_FILE: testEventKeys().signersFile,
      ...this.opts.env,
    });
    const env = { PKI_DIR: this.pkiDir, GRPC_TLS: 'on' };
    const options = {
      config: this.config,
      env,
      topics: this.topics,
      consume: this.opts.consume,
      suspender: this.suspender,
      // The harness runs its own relay (above), across restarts.
      relay: false,
    };
    const parts = {
      logger: this.log.logger,
      metrics: createMetrics({ service: 'risk-test', defaultMetrics: false }),
      health: new HealthRegistry(),
    };
    const app = await bootstrapService({
      parts,
      module: RiskAppModule.forRoot({
        ...options,
        parts,
        databaseUrl: this.db.url,
        kafka: testKafkaConnection(),
      }),
      httpPort: 0,
      httpHost: '127.0.0.1',
      grpc: (a) => riskGrpcEdge(a, options),
    });
    this.runtime = new RunningRisk(app);
    this.address = `127.0.0.1:${grpcPortOf(app)}`;
    this.payment = createGrpcClient(
      riskPackage,
      RISK_ENGINE_SERVICE,
      this.address,
      tlsOf(this.pkiDir, 'payment'),
    );
    this.admin = createGrpcClient(
      riskPackage,
      RISK_ENGINE_SERVICE,
      this.address,
      tlsOf(this.pkiDir, 'console'),
    );
  }

  evaluate(overrides: Record<string, unknown> = {}): Promise<EvaluateReply> {
    return unaryCall<EvaluateReply>(this.payment, 'Evaluate', evaluateRequest(overrides), {
      deadlineMs: 5000,
    });
  }

  /** The gRPC error of a call that must fail. */
  async failure(client: Client, method: string, request: unknown): Promise<ServiceError> {
    try {
      await unaryCall(client, method, request, { deadlineMs: 5000 });
    } catch (e) {
      return e as ServiceError;
    }
    throw new Error(`${method} succeeded`);
  }

  adminCall<T>(method: string, request: unknown): Promise<T> {
    return unaryCall<T>(this.admin, method, request, { deadlineMs: 5000 });
  }

  /** Publishes envelopes signed by the topic's producer (payment for payments, the vault for cards). */
  async produce(topic: string, ...envelopes: { aggregateId: string }[]): Promise<void> {
    const producer = topic === this.topics.cards ? 'tokenization' : 'payment';
    await this.produceAs(signerOf(producer), topic, ...envelopes);
  }

  /** Publishes envelopes as `signer` (null: unsigned, as a writer without a producer's key would). */
  async produceAs(
    signer: EventSigner | null,
    topic: string,
    ...envelopes: { aggregateId: string }[]
  ): Promise<void> {
    await this.send(topic, envelopes, (key, value) => signer?.sign(topic, key, value));
  }

  /** Publishes envelopes carrying the signature `signer` made for `signedFor` (a replay from another topic). */
  async replay(
    signer: EventSigner,
    signedFor: string,
    topic: string,
    ...envelopes: { aggregateId: string }[]
  ): Promise<void> {
    await this.send(topic, envelopes, (key, value) => signer.sign(signedFor, key, value));
  }

  private async send(
    topic: string,
    envelopes: { aggregateId: string }[],
    headers: (key: string, value: string) => Record<string, string> | undefined,
  ): Promise<void> {
    this.producer ??= testKafka('risk-test-producer').publisher();
    await this.producer.send(
      envelopes.map((e) => {
        const value = JSON.stringify(e);
        return { topic, key: e.aggregateId, value, headers: headers(e.aggregateId, value) };
      }),
    );
  }

  async count(table: string, where = 'true', params: unknown[] = []): Promise<number> {
    const rows: { n: string }[] = await this.db.dataSource.query(
      `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
      params,
    );
    return Number(rows[0]!.n);
  }

  async stop(): Promise<void> {
    await this.runtime?.stop();
    this.payment?.close();
    this.admin?.close();
    await this.producer?.close();
    await this.relay?.stop();
    await this.db?.drop();
    rmSync(this.pkiDir, { recursive: true, force: true });
  }
}

/** A payments.lifecycle.v1 envelope (the minimal payload risk relies on). */
export function paymentEvent(
  type: string,
  o: { card?: string; amountMinor?: number; device?: string; at?: Date; id?: string; extra?: object } = {},
) {
  const paymentId = `pay-${randomUUID()}`;
  return {
    id: o.id ?? randomUUID(),
    type,
    version: 1,
    occurredAt: (o.at ?? new Date()).toISOString(),
    aggregateId: paymentId,
    traceId: `trace-${paymentId}`,
    payload: {
      paymentId,
      cardToken: o.card ?? tok('int_a'),
      amount: { minor: o.amountMinor ?? 3200, currency: 'CNY' },
      merchantId: 'mch-coffee',
      mcc: '5814',
      scene: 'ONLINE',
      deviceId: o.device ?? 'dev-a',
      ip: '10.1.2.3',
      geo: { lat: 39.9042, lon: 116.4074, country: 'CN', city: 'Beijing' },
      ...o.extra,
    },
  };
}

/** A cards.lifecycle.v1 envelope as the vault publishes it. */
export function cardEvent(type: string, token: string, status: 'ACTIVE' | 'SUSPENDED' | 'DELETED') {
  return {
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    aggregateId: token,
    traceId: `trace-${token}`,
    payload: {
      cardToken: token,
      cardholderRef: 'ch-1',
      bin: '622202',
      last4: '0128',
      brand: 'UNIONPAY',
      status,
    },
  };
}
