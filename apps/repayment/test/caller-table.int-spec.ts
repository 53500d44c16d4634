import { randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { status } from '@grpc/grpc-js';
import { type INestApplication } from '@nestjs/common';
import { AutoRepaymentService, Topics } from '@wxpay/contracts';
import { createServiceClient, type GrpcTlsConfig, type ServiceClient } from '@wxpay/grpc';
import { createMetrics, HealthRegistry } from '@wxpay/observability';
import { bootstrapService, grpcPortOf, type RuntimeParts } from '@wxpay/runtime';
import {
  callerTableMismatches,
  captureLogger,
  createTestDatabase,
  ensureDevPki,
  testKafkaConnection,
  testEventKeys,
  testKafka,
  type TestDatabase,
} from '@wxpay/testing';
import { repaymentGrpcEdge } from '../src/api/grpc-edge';
import { RepaymentAppModule } from '../src/app.module';
import { loadConfig } from '../src/config';
import { REPAYMENT_MIGRATIONS } from '../src/persistence/migrations';
import { type CardAccountPort } from '../src/ports/card-account.port';
import { type PapayPort } from '../src/ports/papay.port';

jest.setTimeout(120_000);

/** Who may call what (the README's caller table for AutoRepayment). */
const CALLERS: Record<keyof typeof AutoRepaymentService, readonly string[]> = {
  createPlan: ['channel'],
  updatePlan: ['channel'],
  pausePlan: ['channel', 'console'],
  resumePlan: ['channel', 'console'],
  cancelPlan: ['channel', 'console'],
  getPlan: ['channel', 'console'],
  listRuns: ['channel', 'console'],
  ingestStatement: ['card-system'],
  retryPosting: ['console'],
};

/** Every identity of the services CA the tests call as; payment, risk and tokenization are on no list. */
const CLIENT_NAMES = ['channel', 'console', 'card-system', 'payment', 'risk', 'tokenization'] as const;
/** A counterparty simulator: its certificate comes from the counterparty CA, which no service accepts. */
const SIMULATOR = 'wechatpay-sim';

/** Counterparties that must never be reached: the calls here stop at the caller guard, validation or a lookup. */
const refuse = (name: string) => () => Promise.reject(new Error(`${name} was called`));
const papay: PapayPort = {
  queryContract: refuse('WeChat Pay'),
  terminateContract: refuse('WeChat Pay'),
  sendNotice: refuse('WeChat Pay'),
  applyDeduction: refuse('WeChat Pay'),
  queryDeduction: refuse('WeChat Pay'),
  sendFailureNotice: refuse('WeChat Pay'),
};
const cardAccount: CardAccountPort = { credit: refuse('the card account') };

/**
 * The AutoRepayment edge as the service runs it (Nest app, GrpcTransport over mutual TLS with the dev PKI, its
 * database and Kafka consumers), with stand-ins for WeChat Pay and the card account that are never reached.
 */
describe('AutoRepayment callers (mutual TLS, service identities)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'repayment-callers-'));
  const { logger, lines } = captureLogger('info');
  let db: TestDatabase;
  let app: INestApplication;
  let address = '';
  const clients: ServiceClient<typeof AutoRepaymentService>[] = [];

  const tls = (name: string): GrpcTlsConfig => ({
    enabled: true,
    ca: readFileSync(join(dir, 'ca.crt')),
    cert: readFileSync(join(dir, `${name}.crt`)),
    key: readFileSync(join(dir, `${name}.key`)),
  });

  const client = (name: string) => {
    const c = createServiceClient(AutoRepaymentService, {
      address,
      tls: tls(name),
      server: 'repayment',
      deadlineMs: 10_000,
    });
    clients.push(c);
    return c;
  };

  /** The consumer groups start at the topics' ends: earlier runs' statements and notifications are not ours. */
  async function skipTopicHistory(group: string): Promise<void> {
    const admin = testKafka('repayment-callers-admin').admin();
    try {
      for (const [suffix, topic] of [
        ['statements', Topics.statements.name],
        ['papay', Topics.wechatpayNotifications.name],
      ] as const) {
        await admin.moveGroup(`${group}-${suffix}`, topic, 'latest');
      }
    } finally {
      await admin.close();
    }
  }

  beforeAll(async () => {
    const group = `repayment-callers-${randomUUID()}`;
    await skipTopicHistory(group);
    await ensureDevPki({ dir, services: ['repayment', ...CLIENT_NAMES], simulators: [SIMULATOR] });
    db = await createTestDatabase({ migrations: REPAYMENT_MIGRATIONS, label: 'repayment_callers' });
    // Well-formed WeChat Pay and UnionPay settings that are never used (their stand-ins below are).
    const config = loadConfig({
      REPAYMENT_GRPC_PORT: '0',
      REPAYMENT_HTTP_PORT: '0',
      PKI_DIR: dir,
      GRPC_TLS: 'on',
      REPAYMENT_CONSUMER_GROUP: group,
      EVENT_SIGNERS_FILE: testEventKeys().signersFile,
      WECHATPAY_MCHID: '1900000109',
      WECHATPAY_APPID: 'wx0000000000000000',
      WECHATPAY_APIV3_KEY: 'k'.repeat(32),
      WECHATPAY_MERCHANT_KEY_FILE: join(dir, 'unused-merchant.key'),
      WECHATPAY_MERCHANT_SERIAL: 'ABCDEF0123456789',
      WECHATPAY_PLATFORM_CERTS_DIR: join(dir, 'unused-platform-certs'),
      UNIONPAY_ACQUIRER_BUNDLE: join(dir, 'unused-acquirer-bundle.json'),
    });
    const parts: RuntimeParts = {
      logger,
      metrics: createMetrics({ service: 'repayment', defaultMetrics: false }),
      health: new HealthRegistry(),
    };
    const options = { config, tls: tls('repayment') };
    app = await bootstrapService({
      parts,
      module: RepaymentAppModule.forRoot({
        ...options,
        parts,
        databaseUrl: db.url,
        kafka: testKafkaConnection(),
        ports: { papay, cardAccount },
      }),
      httpPort: 0,
      httpHost: '127.0.0.1',
      grpc: (a) => repaymentGrpcEdge(a, options),
    });
    address = `127.0.0.1:${grpcPortOf(app)}`;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await app?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every caller not on a method’s list with PERMISSION_DENIED and admits every one on it', async () => {
    const byIdentity = new Map(CLIENT_NAMES.map((name) => [name as string, client(name)]));
    const mismatches = await callerTableMismatches({
      table: CALLERS,
      identities: CLIENT_NAMES,
      call: (identity, method) => {
        const m = method as keyof typeof CALLERS;
        const call = byIdentity.get(identity)![m] as (request: unknown) => Promise<unknown>;
        // The method's empty request: an admitted caller gets as far as validation (INVALID_ARGUMENT).
        return call(AutoRepaymentService[m].requestDeserialize(Buffer.alloc(0)));
      },
    });
    expect(mismatches).toEqual([]);
    // Each refusal is logged with the method and the caller.
    const refusals = lines
      .map((l) => JSON.parse(l) as { msg?: string; method?: string; caller?: string })
      .filter((l) => l.msg === 'gRPC call refused: caller not allowed');
    expect(refusals).toContainEqual(
      expect.objectContaining({
        method: '/gateway.repayment.v1.AutoRepayment/IngestStatement',
        caller: 'channel',
      }),
    );
    expect(refusals).toContainEqual(
      expect.objectContaining({
        method: '/gateway.repayment.v1.AutoRepayment/CreatePlan',
        caller: 'console',
      }),
    );
  });

  it('admits a caller on the list to the use case (GetPlan of an unknown plan is NOT_FOUND, not refused)', async () => {
    for (const name of ['channel', 'console']) {
      const err = await client(name)
        .getPlan({ plan_id: 'rpl_00000000000000000000000000000000' })
        .then(
          () => undefined,
          (e: { code: number }) => e,
        );
      expect([name, err?.code]).toEqual([name, status.NOT_FOUND]);
    }
  });

  it('refuses a simulator certificate as a caller: the TLS handshake fails, nothing reaches the service', async () => {
    const before = lines.length;
    const simulator = createServiceClient(AutoRepaymentService, {
      address,
      // A simulator trusts the cluster's root to reach the service; its own certificate is the counterparty CA's.
      tls: tls(SIMULATOR),
      server: 'repayment',
      deadlineMs: 10_000,
    });
    clients.push(simulator);
    const err = await simulator.getPlan({ plan_id: 'rpl_x' }).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(err?.code).toBe(status.UNAVAILABLE);
    const reached = lines
      .slice(before)
      .filter((l) => l.includes('/gateway.repayment.v1.AutoRepayment/GetPlan'));
    expect(reached).toEqual([]);
  });
});
