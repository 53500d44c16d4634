import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { money, type Money } from '@wxpay/persistence';
import { createRuntimeParts } from '@wxpay/runtime';
import {
  captureLogger,
  createTestDatabase,
  ensureDevPki,
  type PkiTlsMaterial,
  readTlsMaterial,
  type TestDatabase,
  uniqueTestPan,
} from '@wxpay/testing';
import {
  loadAcquirerBundle,
  UnionPayClient,
  UnionPayRequestLogMigration1732700000000,
  type LoadedAcquirerBundle,
  type UnionPayClientOptions,
} from '@wxpay/unionpay';
import { type DataSource } from 'typeorm';
import { type SimConfig } from '../../src/config';
import { type FaultRuleInput } from '../../src/faults/fault-plan';
import { SIM_MIGRATIONS } from '../../src/migrations/sim-schema.migration';
import { startUnionPaySim, type RunningUnionPaySim } from '../../src/sim-app';

export const CLIENT_MIGRATIONS = [UnionPayRequestLogMigration1732700000000];
export const cny = (minor: number): Money => money(minor, 'CNY');

/** Luhn-valid test PANs (62 BIN range), distinct per call. */
export const testPan = (): string => uniqueTestPan('622202');

export interface AccountView {
  id: number;
  maskedPan: string;
  status: string;
  creditLimit: Money;
  balance: Money;
  held: Money;
  available: Money;
}

export interface JournalEntry {
  id: number;
  kind: string;
  mti: string;
  stan: string;
  rrn: string;
  state: string;
  responseCode: string;
  amount: Money;
  settlementDate: string | null;
}

/**
 * The simulator in-process over real TLS (dev PKI in a temp dir) on its own test database, plus everything a
 * test needs to build clients against it and drive its admin API.
 */
export class ChannelHarness {
  sim!: RunningUnionPaySim;
  simDb!: TestDatabase;
  clientDb!: TestDatabase;
  bundle!: LoadedAcquirerBundle;
  clientTls!: PkiTlsMaterial;
  config!: SimConfig;
  readonly simLog = captureLogger('info');
  readonly clientLog = captureLogger('debug');
  readonly #clients = new Set<UnionPayClient>();
  readonly #dirs: string[] = [];

  /** `adminToken`: the admin routes need it as a bearer token (the harness's own admin calls send it). */
  static async start(label: string, o: { adminToken?: string } = {}): Promise<ChannelHarness> {
    const h = new ChannelHarness();
    const pkiDir = await h.#tempDir('pki');
    const pki = await ensureDevPki({ dir: pkiDir, services: ['payment'], simulators: ['unionpay-sim'] });
    // The acquirer presents its service certificate and trusts the counterparty CA for the switch.
    h.clientTls = await readTlsMaterial(pki.simCa, pki.services.payment!);
    h.simDb = await createTestDatabase({ migrations: SIM_MIGRATIONS, label: `${label}_sim` });
    h.clientDb = await createTestDatabase({ migrations: CLIENT_MIGRATIONS, label: `${label}_acq` });
    h.config = {
      tlsHost: '127.0.0.1',
      tlsPort: 0,
      httpHost: '127.0.0.1',
      httpPort: 0,
      dataDir: await h.#tempDir('data'),
      devKeys: true,
      adminToken: o.adminToken ?? '',
      switchId: '00010000',
      devAcquirerId: '49990000',
      pkiDir,
      tlsIdentity: 'unionpay-sim',
      batchMax: 256,
      syncCommit: false,
      logLevel: 'info',
    };
    await h.startSim();
    h.bundle = await loadAcquirerBundle(h.sim.keys.devAcquirer!.bundlePath);
    return h;
  }

  /** (Re)starts the simulator on the same database, data dir and (after the first start) the same port. */
  async startSim(): Promise<void> {
    const parts = { ...createRuntimeParts('unionpay-sim', { level: 'silent' }), logger: this.simLog.logger };
    this.sim = await startUnionPaySim(this.config, { databaseUrl: this.simDb.url, parts });
    this.config = { ...this.config, tlsPort: this.sim.tlsPort };
  }

  clientOptions(
    overrides: Partial<UnionPayClientOptions> = {},
    dataSource?: DataSource,
  ): UnionPayClientOptions {
    return {
      host: '127.0.0.1',
      port: this.sim.tlsPort,
      tls: { ...this.clientTls },
      keys: this.bundle.keys,
      switchId: this.bundle.switchId,
      originator: {
        acquirerId: this.bundle.acquirerId,
        forwardingId: this.bundle.forwardingId,
        terminalId: 'PAY00001',
        merchantId: '898440000000001',
        merchantType: '5399',
      },
      dataSource: dataSource ?? this.clientDb.dataSource,
      logger: this.clientLog.logger,
      connections: 2,
      // Generous enough that a loaded CI machine never turns an approval into a timeout; the timeout tests
      // use faults that never answer, so their outcome does not depend on this value.
      requestTimeoutMs: 1_500,
      connectTimeoutMs: 2_000,
      heartbeatIntervalMs: 1_000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
      reversal: { retryDelaysMs: [50, 100, 200], steadyIntervalMs: 300, pollIntervalMs: 100 },
      orphanAfterMs: 4_000,
      ...overrides,
    };
  }

  async client(
    overrides: Partial<UnionPayClientOptions> = {},
    dataSource?: DataSource,
  ): Promise<UnionPayClient> {
    const client = new UnionPayClient(this.clientOptions(overrides, dataSource));
    this.#clients.add(client);
    if (!(await client.start(5_000))) throw new Error('client did not become ready');
    return client;
  }

  async closeClient(client: UnionPayClient): Promise<void> {
    this.#clients.delete(client);
    await client.close();
  }

  async admin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.sim.httpUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.config.adminToken ? { authorization: `Bearer ${this.config.adminToken}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
    };
  }

  async seedAccount(
    pan: string,
    o: { limit?: number; status?: string; expiry?: string; singleLimit?: number } = {},
  ): Promise<AccountView> {
    const r = await this.admin<AccountView>('POST', '/admin/accounts', {
      pan,
      expiry: o.expiry ?? '3012',
      creditLimitMinor: o.limit ?? 1_000_000,
      status: o.status ?? 'active',
      singleTransactionLimitMinor: o.singleLimit ?? null,
    });
    if (r.status !== 201) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async account(id: number): Promise<AccountView> {
    return (await this.admin<AccountView>('GET', `/admin/accounts/${id}`)).body;
  }

  async journal(rrn: string): Promise<JournalEntry[]> {
    return (await this.admin<JournalEntry[]>('GET', `/admin/journal?rrn=${rrn}`)).body;
  }

  async fault(rule: FaultRuleInput): Promise<void> {
    const r = await this.admin('POST', '/admin/faults', rule);
    if (r.status !== 201) throw new Error(`fault refused: ${JSON.stringify(r.body)}`);
  }

  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/admin/faults');
  }

  async requestRow(id: string): Promise<Record<string, unknown>> {
    const rows: Record<string, unknown>[] = await this.clientDb.dataSource.query(
      `SELECT * FROM unionpay_request WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async stop(): Promise<void> {
    for (const c of this.#clients) await c.close();
    await this.sim?.close();
    await this.clientDb?.drop();
    await this.simDb?.drop();
    for (const d of this.#dirs) await rm(d, { recursive: true, force: true });
  }

  async #tempDir(name: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `upsim-${name}-`));
    this.#dirs.push(dir);
    return dir;
  }
}
