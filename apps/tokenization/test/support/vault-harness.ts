import { type Client, type ServiceError } from '@grpc/grpc-js';
import { type INestApplication } from '@nestjs/common';
import { createGrpcClient, loadProtos, unaryCall, type GrpcTlsConfig } from '@wxpay/grpc';
import { createMetrics, HealthRegistry } from '@wxpay/observability';
import { bootstrapService, type RuntimeParts } from '@wxpay/runtime';
import {
  captureLogger,
  createTestDatabase,
  createTestTopic,
  ensureDevPki,
  testBrokers,
  type TestDatabase,
} from '@wxpay/testing';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { VaultAppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config';
import { TOKENIZATION_PROTO } from '../../src/grpc/vault-grpc-server';
import { TOKEN_VAULT_SERVICE } from '../../src/grpc/token-vault.grpc';
import { VAULT_MIGRATIONS } from '../../src/migrations';
import { type Vault } from '../../src/vault';
import { VAULT, VaultLifecycle } from '../../src/vault-lifecycle';

export const vaultPackage = loadProtos([TOKENIZATION_PROTO]);

/** Client identities in the test PKI: two allow-listed services and one that is not. */
export const CLIENT_NAMES = ['payment', 'repayment', 'risk'] as const;

/**
 * A test environment for the vault: a dev PKI and a key directory in a temp folder, a fresh database built by
 * the real migrations, and the service started as in production (Nest app, gRPC over mutual TLS, outbox relay
 * to the real Kafka), with its logs captured in memory, unmasked, to prove nothing sensitive is ever logged.
 */
export class VaultHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'vault-it-'));
  readonly pkiDir = join(this.dir, 'pki');
  readonly keyDir = join(this.dir, 'keys');
  private readonly logRuns: string[][] = [];
  db!: TestDatabase;
  /** The test's own copy of cards.lifecycle.v1 (same partitions), so it reads only its own events. */
  topic!: string;
  app?: INestApplication;
  vault!: Vault;
  address!: string;
  private readonly clients: Client[] = [];

  static async create(label: string): Promise<VaultHarness> {
    const h = new VaultHarness();
    await ensureDevPki({ dir: h.pkiDir, services: ['tokenization', ...CLIENT_NAMES] });
    h.db = await createTestDatabase({ migrations: VAULT_MIGRATIONS, label });
    h.topic = await createTestTopic('cards-lifecycle', 3);
    return h;
  }

  env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      TOKENIZATION_GRPC_PORT: '0',
      TOKENIZATION_HTTP_PORT: '0',
      TOKENIZATION_DEV_KEYS: 'on',
      TOKENIZATION_KEY_DIR: this.keyDir,
      TOKENIZATION_ROTATION_AUTO: 'off',
      PKI_DIR: this.pkiDir,
      GRPC_TLS: 'on',
      TOKENIZATION_EVENTS_TOPIC: this.topic,
      ...over,
    };
  }

  /** Starts (or restarts) the service with the given environment on the same database and key directory. */
  async start(over: Record<string, string> = {}): Promise<void> {
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
        databaseUrl: this.db.url,
        brokers: testBrokers(),
      }),
      httpPort: 0,
      httpHost: '127.0.0.1',
    });
    this.vault = this.app.get<Vault>(VAULT);
    this.address = `127.0.0.1:${this.app.get(VaultLifecycle).grpcPort}`;
  }

  /** Every log line of every start so far. */
  get logs(): string[] {
    return this.logRuns.flat();
  }

  async stop(): Promise<void> {
    this.clients.splice(0).forEach((c) => c.close());
    await this.app?.close();
    this.app = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  tls(name: string, pkiDir = this.pkiDir, caDir = this.pkiDir): GrpcTlsConfig {
    return {
      enabled: true,
      ca: readFileSync(join(caDir, 'ca.crt')),
      cert: readFileSync(join(pkiDir, `${name}.crt`)),
      key: readFileSync(join(pkiDir, `${name}.key`)),
    };
  }

  client(tls: GrpcTlsConfig | string): VaultClient {
    const c = createGrpcClient(
      vaultPackage,
      TOKEN_VAULT_SERVICE,
      this.address,
      typeof tls === 'string' ? this.tls(tls) : tls,
      {
        'grpc.use_local_subchannel_pool': 1,
      },
    );
    this.clients.push(c);
    return new VaultClient(c);
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

export interface CardView {
  token: string;
  cardholder_ref: string;
  bin: string;
  last4: string;
  masked_pan: string;
  expiry_month: string;
  expiry_year: string;
  brand: string;
  issuer: string;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface TokenizeResponse {
  token: string;
  created: boolean;
  card: CardView;
}

/** Typed calls on a TokenVault client. */
export class VaultClient {
  constructor(readonly raw: Client) {}

  call<Res>(method: string, req: object): Promise<Res> {
    return unaryCall<Res>(this.raw, method, req, { deadlineMs: 10_000 });
  }

  tokenize(req: {
    idempotency_key: string;
    cardholder_ref: string;
    pan: string;
    expiry_month: string;
    expiry_year: string;
    cvn2?: string;
  }) {
    return this.call<TokenizeResponse>('Tokenize', req);
  }

  detokenize(token: string, purpose = 'authorization') {
    return this.call<{ pan: string; expiry_month: string; expiry_year: string }>('Detokenize', {
      token,
      purpose,
    });
  }

  status(
    method: 'SuspendToken' | 'ResumeToken' | 'DeleteToken',
    token: string,
    idempotency_key: string,
    reason = '',
  ) {
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
