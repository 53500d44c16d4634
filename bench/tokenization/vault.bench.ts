/**
 * The card vault over gRPC with mutual TLS: Tokenize, Detokenize (the payment hot path) and GetCard, at a fixed
 * concurrency over a few channels, beside single-row INSERT / SELECT-by-key rates of the same PostgreSQL database
 * measured in the same run as the reference. The service runs as a child process (its own event loop, as in
 * production); this process generates the load. Both share the machine's cores with PostgreSQL and Kafka.
 */
import { fork, type ChildProcess } from 'child_process';
import { randomBytes, randomInt } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TokenVaultService } from '@wxpay/contracts';
import { createServiceClient, HealthCheckService, type GrpcTlsConfig, type ServiceClient } from '@wxpay/grpc';
import { createTestDatabase, createTestTopic, ensureDevPki, type TestDatabase } from '@wxpay/testing';
import { createLogger } from '@wxpay/observability';
import { Pool } from 'pg';
import { luhnCheckDigit } from '@wxpay/card';
import { loadConfig } from '../../apps/tokenization/src/config';
import { VAULT_MIGRATIONS } from '../../apps/tokenization/src/persistence/migrations';
import { type Vault } from '../../apps/tokenization/src/vault-core.module';
import { openVaultContext } from '../../apps/tokenization/src/vault-context';
import { benchInfra } from '../support/infra';
import { machineLine, printTable, summarize } from '../support/stats';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 4);
const TOKENIZE_OPS = Number(process.env.BENCH_TOKENIZE_OPS ?? 3000);
/** Each operation runs ROUNDS slices of SLICE_MS, interleaved with the others. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 1200);
const DB_POOL = 10;

type Row = Record<string, string | number>;

interface Measured {
  ops: number;
  seconds: number;
  latencies: number[];
  errors: number;
}

/** `concurrency` workers issue `op` back to back until `stop` says so; latency of each op in ms. */
async function closedLoop(
  concurrency: number,
  stop: (done: number, elapsedMs: number) => boolean,
  op: (i: number) => Promise<unknown>,
): Promise<Measured> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop(issued, performance.now() - t0)) {
        const i = issued++;
        const t = performance.now();
        try {
          await op(i);
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ops: latencies.length, seconds: (performance.now() - t0) / 1000, latencies, errors };
}

const forDuration = (ms: number) => (_: number, elapsed: number) => elapsed >= ms;
const forCount = (n: number) => (done: number) => done >= n;

function row(name: string, m: Measured, note = ''): Row {
  const s = summarize(m.latencies);
  return {
    operation: name,
    ops: m.ops,
    errors: m.errors,
    'ops/s': Math.round(m.ops / m.seconds),
    'p50 ms': s.p50.toFixed(2),
    'p99 ms': s.p99.toFixed(2),
    note,
  };
}

function randomPan(): string {
  let body = '622588';
  while (body.length < 15) body += String(randomInt(10));
  return `${body}${luhnCheckDigit(body)}`;
}

/** Single-row INSERT and SELECT-by-key on the same database, through a plain pg pool: the reference. */
async function databaseReference(db: TestDatabase): Promise<{
  insert: (i: number) => Promise<unknown>;
  select: (i: number) => Promise<unknown>;
  end: () => Promise<void>;
}> {
  const pool = new Pool({ connectionString: db.url, max: DB_POOL });
  await pool.query(`CREATE TABLE bench_reference (id text PRIMARY KEY, body bytea NOT NULL)`);
  let inserted = 0;
  return {
    insert: () =>
      pool.query(`INSERT INTO bench_reference (id, body) VALUES ($1, $2)`, [
        `r${inserted++}`,
        randomBytes(64),
      ]),
    select: () =>
      pool.query(`SELECT body FROM bench_reference WHERE id = $1`, [`r${randomInt(Math.max(1, inserted))}`]),
    end: () => pool.end(),
  };
}

function merge(a: Measured | undefined, b: Measured): Measured {
  if (!a) return b;
  return {
    ops: a.ops + b.ops,
    seconds: a.seconds + b.seconds,
    latencies: a.latencies.concat(b.latencies),
    errors: a.errors + b.errors,
  };
}

interface Server {
  child: ChildProcess;
  grpcPort: number;
  httpPort: number;
}

async function startServer(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = fork(join(__dirname, 'vault-server.ts'), [], {
    execArgv: [
      '-r',
      join(__dirname, '..', '..', 'tools', 'ts-register.js'),
      ...(process.env.BENCH_CPU_PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`]
        : []),
    ],
    env,
  });
  const ports = await new Promise<{ grpcPort: number; httpPort: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { grpcPort: number; httpPort: number }));
    child.once('exit', (code) => reject(new Error(`the vault server exited with ${code}`)));
  });
  return { child, ...ports };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.send('stop');
  await exited;
}

/** Sum and count of a histogram in the service's /metrics. */
async function histogram(server: Server, name: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
  const value = (suffix: string) =>
    Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: value('sum'), count: value('count') };
}

/** The vault opened in this process on the same database and keys, to call without the transport. */
async function localVault(env: NodeJS.ProcessEnv): Promise<{ vault: Vault; close: () => Promise<void> }> {
  return openVaultContext({
    config: loadConfig(env),
    logger: createLogger({ service: 'bench-vault', level: 'warn' }),
    env,
    databaseUrl: env.BENCH_DATABASE_URL,
    poolSize: DB_POOL,
  });
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  const dir = mkdtempSync(join(tmpdir(), 'vault-bench-'));
  const pki = join(dir, 'pki');
  await ensureDevPki({ dir: pki, services: ['tokenization', 'payment', 'channel'] });
  const db = await createTestDatabase({ migrations: VAULT_MIGRATIONS, label: 'bench_vault' });
  const topic = await createTestTopic('bench-cards', 3);
  const env = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    BENCH_DATABASE_URL: db.url,
    PKI_DIR: pki,
    GRPC_TLS: 'on',
    TOKENIZATION_GRPC_PORT: '0',
    TOKENIZATION_DEV_KEYS: 'on',
    TOKENIZATION_KEY_DIR: join(dir, 'keys'),
    TOKENIZATION_AUDIT_CHECKPOINT_FILE: join(dir, 'audit-checkpoints.jsonl'),
    TOKENIZATION_EVENTS_TOPIC: topic,
    TOKENIZATION_DATABASE_POOL_SIZE: String(DB_POOL),
    LOG_LEVEL: 'warn',
    ...over,
  });
  // Cards are bound by the bank's channel backend; card numbers go back to payment.
  const tlsOf = (identity: string): GrpcTlsConfig => ({
    enabled: true,
    ca: readFileSync(join(pki, 'ca.crt')),
    cert: readFileSync(join(pki, `${identity}.crt`)),
    key: readFileSync(join(pki, `${identity}.key`)),
  });
  const tls = tlsOf('payment');
  type VaultClient = ServiceClient<typeof TokenVaultService>;
  const rows: Row[] = [];
  const servers: Server[] = [];
  type HealthClient = ServiceClient<typeof HealthCheckService>;
  const clients = new Map<Server, { vault: VaultClient[]; channel: VaultClient; health: HealthClient[] }>();
  const connect = (s: Server) => {
    const address = `127.0.0.1:${s.grpcPort}`;
    const options = { 'grpc.use_local_subchannel_pool': 1 };
    clients.set(s, {
      vault: Array.from({ length: CHANNELS }, () =>
        createServiceClient(TokenVaultService, {
          address,
          tls,
          server: 'tokenization',
          deadlineMs: 10_000,
          channelOptions: options,
        }),
      ),
      channel: createServiceClient(TokenVaultService, {
        address,
        tls: tlsOf('channel'),
        server: 'tokenization',
        deadlineMs: 10_000,
        channelOptions: options,
      }),
      health: Array.from({ length: CHANNELS }, () =>
        createServiceClient(HealthCheckService, {
          address,
          tls,
          server: 'tokenization',
          deadlineMs: 10_000,
          channelOptions: options,
        }),
      ),
    });
  };
  const vaultOf = (s: Server, i: number) => clients.get(s)!.vault[i % CHANNELS]!;
  const reference = await databaseReference(db);
  const closers: (() => Promise<void>)[] = [];
  try {
    // Two instances of the service on the same database: the second with the data-key cache off.
    const cached = await startServer(env());
    const uncached = await startServer(env({ TOKENIZATION_DEK_CACHE_ENTRIES: '0' }));
    servers.push(cached, uncached);
    servers.forEach(connect);

    const tokens: string[] = [];
    const tokenizeOne = async (i: number) => {
      const res = await clients.get(cached)!.channel.tokenize({
        idempotency_key: `bench-${i}`,
        cardholder_ref: `bench-ch-${i}`,
        pan: randomPan(),
        expiry_month: '12',
        expiry_year: '2030',
        cvn2: '123',
      });
      tokens.push(res.token);
    };
    await closedLoop(CONCURRENCY, forCount(300), (i) => tokenizeOne(1_000_000 + i)); // warm-up (TLS, JIT, pool)
    const tokenize = await closedLoop(CONCURRENCY, forCount(TOKENIZE_OPS), tokenizeOne);

    const local = await localVault(env());
    closers.push(local.close);
    const detokenize = (s: Server) => (i: number) =>
      vaultOf(s, i).detokenize({ token: tokens[randomInt(tokens.length)]!, purpose: 'authorization' });
    const phases: { name: string; note: string; op: (i: number) => Promise<unknown> }[] = [
      { name: 'Detokenize', note: 'DEK cache on', op: detokenize(cached) },
      { name: 'Detokenize', note: 'DEK cache off: KEK unwrap on every call', op: detokenize(uncached) },
      {
        name: 'Detokenize, vault called in-process',
        note: 'reference: the same service code without gRPC (a third instance, in this process)',
        op: () =>
          local.vault.detokenize.detokenize(
            { token: tokens[randomInt(tokens.length)]!, purpose: 'authorization' },
            { actor: 'cn:payment', traceId: 'bench' },
            { tls: true, plaintextAllowed: false },
          ),
      },
      {
        name: 'GetCard',
        note: 'reference: same gRPC path and read, no crypto, no audit',
        op: (i) => vaultOf(cached, i).getCard({ token: tokens[randomInt(tokens.length)]! }),
      },
      {
        name: 'grpc.health.v1 Check',
        note: 'reference: the transport alone (same server, mTLS, channels)',
        op: (i) => clients.get(cached)!.health[i % CHANNELS]!.check({ service: '' }),
      },
      {
        name: 'PostgreSQL single-row INSERT',
        note: `reference: autocommit, pg pool of ${DB_POOL}`,
        op: reference.insert,
      },
      {
        name: 'PostgreSQL single-row SELECT by key',
        note: `reference: pg pool of ${DB_POOL}`,
        op: reference.select,
      },
    ];
    for (const phase of phases) await closedLoop(CONCURRENCY, forDuration(500), phase.op); // warm-up
    // Interleaved rounds, so load from elsewhere on the machine falls on every operation alike.
    const groups = 'tokenization_audit_group_commit_entries';
    const before = await histogram(cached, groups);
    const measured: (Measured | undefined)[] = phases.map(() => undefined);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, phase] of phases.entries()) {
        measured[k] = merge(measured[k], await closedLoop(CONCURRENCY, forDuration(SLICE_MS), phase.op));
      }
    }
    const after = await histogram(cached, groups);
    const perCommit = ((after.sum - before.sum) / (after.count - before.count)).toFixed(1);
    phases.forEach((phase, k) => {
      const note = k === 0 ? `${phase.note}; ${perCommit} audit entries per group commit` : phase.note;
      rows.push(row(phase.name, measured[k]!, note));
    });
    rows.push(row('Tokenize (new card)', tokenize, 'encrypt, fingerprint, outbox, audit: one transaction'));

    printTable(
      `TokenVault over gRPC + mTLS, ${CONCURRENCY} in flight over ${CHANNELS} channels; server in a child process ` +
        `(${machineLine()})`,
      rows,
    );
    const target = rows[0]!;
    console.log(
      `detokenize target ≥ 5,000/s with p99 < 10 ms: ${target['ops/s']}/s, p99 ${target['p99 ms']} ms → ` +
        `${Number(target['ops/s']) >= 5000 && Number(target['p99 ms']) < 10 ? 'met' : 'NOT met'}`,
    );
  } finally {
    for (const c of clients.values())
      [...c.vault, c.channel, ...c.health].forEach((client) => client.close());
    for (const server of servers) if (server.child.exitCode === null) await stopServer(server);
    for (const close of closers) await close();
    await reference.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
