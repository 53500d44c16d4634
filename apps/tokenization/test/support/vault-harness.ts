import { type ServiceError } from '@grpc/grpc-js';
import { type INestApplication } from '@nestjs/common';
import {
  TokenVaultService,
  type CardView,
  type DetokenizeResponse,
  type TokenizeRequest,
  type TokenizeResponse,
} from '@wxpay/contracts';
import { createServiceClient, type GrpcTlsConfig, type ServiceClient } from '@wxpay/grpc';
import { createMetrics, HealthRegistry } from '@wxpay/observability';
import { bootstrapService, grpcPortOf, type RuntimeParts } from '@wxpay/runtime';
import {
  captureLogger,
  createTestDatabase,
  createTestTopic,
  ensureDevPki,
  testKafkaConnection,
  type TestDatabase,
} from '@wxpay/testing';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { vaultGrpcEdge } from '../../src/api/grpc-edge';
import { VaultAppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config';
import { VAULT_MIGRATIONS } from '../../src/persistence/migrations';
import { Vault } from '../../src/vault-core.module';

/**
 * Client identities in the test PKI: the bank's channel (binds cards), the console, the services that may see a
 * card number (payment, repayment) and one that may not (risk).
 */
export const CLIENT_NAMES = ['channel', 'console', 'payment', 'repayment', 'risk', 'card-system'] as const;
/** A counterparty simulator's identity: its certificate comes from the counterparty CA, not the services CA. */
export const SIMULATOR = 'wechatpay-sim';

/**
 * A test environment for the vault: a dev PKI and a key directory in a temp folder, a fresh database built by
 * the real migrations, and the service started as in production (Nest app, gRPC over mutual TLS, outbox relay
 * to the real Kafka), with its logs captured in memory, unmasked, to prove nothing sensitive is ever logged.
 */
export class VaultHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'vault-it-'));
  readonly pkiDir = join(this.dir, 'pki');
  readonly keyDir = join(this.dir, 'keys');
  readonly checkpointFile = join(this.dir, 'audit-checkpoints.jsonl');
  private readonly logRuns: string[][] = [];
  db!: TestDatabase;
  /** The test's own copy of cards.lifecycle.v1 (same partitions), so it reads only its own events. */
  topic!: string;
  app?: INestApplication;
  vault!: Vault;
  address!: string;
  private readonly clients: VaultClient[] = [];

  static async create(label: string): Promise<VaultHarness> {
    const h = new VaultHarness();
    await ensureDevPki({
      dir: h.pkiDir,
      services: ['tokenization', ...CLIENT_NAMES],
      simulators: [SIMULATOR],
    });
    h.db = await createTestDatabase({ migrations: VAULT_MIGRATIONS, label });
    h.topic = await createTestTopic('cards-lifecycle', 3);
    return h;
  }

  env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      TOKENIZATION_GRPC_PORT: '0',
      TOKENIZATION_HTTP_PORT: '0',
      GATEWAY_ENV: 'development',
      TOKENIZATION_DEV_KEYS: 'on',
      TOKENIZATION_KEY_DIR: this.keyDir,
      TOKENIZATION_AUDIT_CHECKPOINT_FILE: this.checkpointFile,
      TOKENIZATION_ROTATION_AUTO: 'off',
      PKI_DIR: this.pkiDir,
      GRPC_TLS: 'on',
      TOKENIZATION_EVENTS_TOPIC: this.topic,
      ...over,
    };
  }

  /** Starts (or restarts) the service with the given environment on the same database and key directory. */
  /** `databaseUrl`: connect the service another way (e.g. as its runtime role) than the test's owner URL. */
  async start(over: Record<string, string> = {}, opts: { databaseUrl?: string } = {}): Promise<void> {
    await this.stop();
    const env = this.env(over);
    const config = loadConfig(env);
    const { logger, lines } = captureLogger('debug');
    this.logRuns.push(lines);
    const parts: RuntimeParts = {
      logger,
      metrics: createMetrics({ service: 'tokenization', defaultMetrics: false }),
      health: new HealthRegistry(),
    };
    this.app = await bootstrapService({
      parts,
      module: VaultAppModule.forRoot({
        config,
        parts,
        env,
        databaseUrl: opts.databaseUrl ?? this.db.url,
        kafka: testKafkaConnection(),
      }),
      httpPort: 0,
      httpHost: '127.0.0.1',
      grpc: (app) => vaultGrpcEdge(app, { config, env }),
    });
    this.vault = this.app.get(Vault);
    this.address = `127.0.0.1:${grpcPortOf(this.app)}`;
  }

  /** Every log line of every start so far. */
  get logs(): string[] {
    return this.logRuns.flat();
  }

  async stop(): Promise<void> {
    this.clients.splice(0).forEach((c) => c.raw.close());
    await this.app?.close();
    this.app = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  tls(name: string, pkiDir = this.pkiDir, caDir = this.pkiDir): GrpcTlsConfig {
    // A simulator trusts the cluster's root to reach the vault; its own certificate is the counterparty CA's.
    return {
      enabled: true,
      ca: readFileSync(join(caDir, 'ca.crt')),
      cert: readFileSync(join(pkiDir, `${name}.crt`)),
      key: readFileSync(join(pkiDir, `${name}.key`)),
    };
  }

  /** A TokenVault client with the given identity (or TLS material), expecting the server to be the vault. */
  client(tls: GrpcTlsConfig | string, server = 'tokenization'): VaultClient {
    const c = new VaultClient(
      createServiceClient(TokenVaultService, {
        address: this.address,
        tls: typeof tls === 'string' ? this.tls(tls) : tls,
        server,
        deadlineMs: 10_000,
        channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
      }),
    );
    this.clients.push(c);
    return c;
  }

  async count(table: string, where = 'true'): Promise<number> {
    const [row] = (await this.db.dataSource.query(
      `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
    )) as {
      n: number;
    }[];
    return row!.n;
  }
}

export type { CardView, TokenizeResponse };

type TokenizeFields = Omit<TokenizeRequest, 'cvn2'> & { cvn2?: string };
type VaultMethod = keyof typeof TokenVaultService;

/** Calls on a TokenVault client, by role. */
export class VaultClient {
  constructor(readonly raw: ServiceClient<typeof TokenVaultService>) {}

  /** Any TokenVault method by name, e.g. 'GetCard' or 'getCard'. */
  call<Res>(method: string, req: object): Promise<Res> {
    const key = (method[0]!.toLowerCase() + method.slice(1)) as VaultMethod;
    const fn = this.raw[key] as (r: object) => Promise<unknown>;
    return fn(req) as Promise<Res>;
  }

  tokenize(req: TokenizeFields): Promise<TokenizeResponse> {
    return this.raw.tokenize({ cvn2: '', ...req });
  }

  detokenize(token: string, purpose = 'authorization'): Promise<DetokenizeResponse> {
    return this.raw.detokenize({ token, purpose });
  }

  status(
    method: 'SuspendToken' | 'ResumeToken' | 'DeleteToken',
    token: string,
    idempotency_key: string,
    reason = '',
  ): Promise<CardView> {
    return this.call<CardView>(method, { token, idempotency_key, reason });
  }

  /** The ServiceError of a call that must fail. */
  async failure(promise: Promise<unknown>): Promise<ServiceError> {
    try {
      await promise;
    } catch (e) {
      return e as ServiceError;
    }
    throw new Error('the call succeeded but was expected to fail');
  }
}
