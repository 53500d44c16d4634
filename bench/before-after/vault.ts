/** Vault Detokenize/s: each side's vault server (bench/tokenization/vault-server.ts of its tree), same client. */
import { type ChildProcess } from 'child_process';
import { randomInt } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { TokenVaultService } from '@wxpay/contracts';
import { createServiceClient, type ServiceClient } from '@wxpay/grpc';
import { createTestTopic, uniqueTestPan, type TestDatabase } from '@wxpay/testing';
import { summarize } from '../support/stats';
import {
  cpuMs,
  databaseIn,
  firstMessage,
  forkIn,
  inTurn,
  stopChild,
  type SideFigures,
  type Tree,
} from './trees';

const CONCURRENCY = 32;
const CHANNELS = 4;
const CARDS = 2000;

type VaultClient = ServiceClient<typeof TokenVaultService>;

export async function compareVault(
  sides: Tree[],
  pki: string,
  dir: string,
  rounds: number,
  sliceMs: number,
): Promise<SideFigures[]> {
  const topic = await createTestTopic('before-after-cards', 3);
  const tlsOf = (identity: string) => ({
    enabled: true as const,
    ca: readFileSync(join(pki, 'ca.crt')),
    cert: readFileSync(join(pki, `${identity}.crt`)),
    key: readFileSync(join(pki, `${identity}.key`)),
  });
  interface Side {
    tree: Tree;
    db: TestDatabase;
    child: ChildProcess;
    clients: VaultClient[];
    tokens: string[];
    ops: number;
    ms: number;
    cpu: number;
    latencies: number[];
    roundRates: number[];
  }
  const running: Side[] = [];
  try {
    for (const tree of sides) {
      const db = await databaseIn(tree, 'tokenization', 'before_after_vault');
      const child = forkIn(tree, 'bench/tokenization/vault-server.ts', {
        ...process.env,
        BENCH_DATABASE_URL: db.url,
        PKI_DIR: pki,
        GRPC_TLS: 'on',
        TOKENIZATION_GRPC_PORT: '0',
        TOKENIZATION_DEV_KEYS: 'on',
        TOKENIZATION_KEY_DIR: join(dir, `vault-keys-${tree.name}`),
        TOKENIZATION_AUDIT_CHECKPOINT_FILE: join(dir, `vault-audit-${tree.name}.jsonl`),
        TOKENIZATION_EVENTS_TOPIC: topic,
        TOKENIZATION_DATABASE_POOL_SIZE: '10',
        LOG_LEVEL: 'warn',
      });
      const side: Side = {
        tree,
        db,
        child,
        clients: [],
        tokens: [],
        ops: 0,
        ms: 0,
        cpu: 0,
        latencies: [],
        roundRates: [],
      };
      running.push(side);
      const { grpcPort } = await firstMessage<{ grpcPort: number }>(child);
      const client = (identity: string) => {
        const c = createServiceClient(TokenVaultService, {
          address: `127.0.0.1:${grpcPort}`,
          tls: tlsOf(identity),
          server: 'tokenization',
          deadlineMs: 10_000,
          channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
        });
        side.clients.push(c);
        return c;
      };
      // Cards are bound by the bank's channel backend; payment asks for them back.
      const channel = client('channel');
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = next++; i < CARDS; i = next++) {
            const { token } = await channel.tokenize({
              idempotency_key: `before-after-${i}`,
              cardholder_ref: `before-after-${i}`,
              pan: uniqueTestPan(),
              expiry_month: '12',
              expiry_year: '2030',
              cvn2: '123',
            });
            side.tokens.push(token);
          }
        }),
      );
      for (let i = 0; i < CHANNELS; i++) client('payment');
    }
    const slice = async (side: (typeof running)[number], ms: number, record: boolean) => {
      const latencies: number[] = [];
      const cpu0 = cpuMs(side.child.pid!);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, w) => {
          while (performance.now() - t0 < ms) {
            const t = performance.now();
            await side.clients[1 + (w % CHANNELS)]!.detokenize({
              token: side.tokens[randomInt(side.tokens.length)]!,
              purpose: 'authorization',
            });
            latencies.push(performance.now() - t);
          }
        }),
      );
      if (!record) return;
      side.ms += performance.now() - t0;
      side.cpu += cpuMs(side.child.pid!) - cpu0;
      side.ops += latencies.length;
      side.roundRates.push((latencies.length / (performance.now() - t0)) * 1000);
      side.latencies.push(...latencies);
    };
    for (const side of running) await slice(side, 1500, false); // warm-up: TLS, JIT, pools
    for (let round = 0; round < rounds; round++) {
      for (const side of inTurn(running, round)) await slice(side, sliceMs, true);
    }
    return running.map((s) => ({
      side: s.tree.name,
      perSecond: (s.ops / s.ms) * 1000,
      roundRates: s.roundRates,
      p99Ms: summarize(s.latencies).p99,
      serverCpuMs: s.cpu / s.ops,
    }));
  } finally {
    for (const s of running) {
      s.clients.forEach((c) => c.close());
      await stopChild(s.child, 'stop-message');
      await s.db.drop();
    }
  }
}
