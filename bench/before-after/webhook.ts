/** Webhook intake/s: each side's payment webhook (bench/payment/webhook-target.ts of its tree), same notifications. */
import { type ChildProcess } from 'child_process';
import { freePort, type TestDatabase } from '@wxpay/testing';
import { postAll, wechatPayKeys } from '../payment/webhook-load';
import { summarize } from '../support/stats';
import {
  cpuMs,
  databaseIn,
  forkIn,
  inTurn,
  stopChild,
  waitHttpReady,
  type SideFigures,
  type Tree,
} from './trees';

const CONCURRENCY = 32;

export async function compareWebhook(sides: Tree[], rounds: number, batch: number): Promise<SideFigures[]> {
  const keys = await wechatPayKeys();
  interface Side {
    tree: Tree;
    db: TestDatabase;
    child: ChildProcess;
    url: string;
    ok: number;
    seconds: number;
    cpu: number;
    latencies: number[];
    roundRates: number[];
  }
  const running: Side[] = [];
  try {
    for (const tree of sides) {
      const db = await databaseIn(tree, 'payment', 'before_after_webhook');
      const port = await freePort();
      // The answer path alone, as benchmark (a) "intake only" of bench/payment: the inbox worker is paused.
      const child = forkIn(tree, 'bench/payment/webhook-target.ts', {
        ...process.env,
        ...keys.env,
        BENCH_DATABASE_URL: db.url,
        PAYMENT_HTTP_PORT: String(port),
        PAYMENT_GRPC_PORT: String(await freePort()),
        UNIONPAY_ACQUIRER_BUNDLE: '/unused',
        PAYMENT_RECON_AT: 'off',
        LOG_LEVEL: 'warn',
        BENCH_BACKGROUND: 'off',
      });
      const url = `http://127.0.0.1:${port}/notify/wechatpay/transactions`;
      running.push({ tree, db, child, url, ok: 0, seconds: 0, cpu: 0, latencies: [], roundRates: [] });
      await waitHttpReady(`http://127.0.0.1:${port}/health/ready`, child);
      await postAll(url, keys.sign(500), CONCURRENCY); // warm-up: connections, JIT, pool
    }
    for (let round = 0; round < rounds; round++) {
      for (const side of inTurn(running, round)) {
        const notifications = keys.sign(batch);
        const cpu0 = cpuMs(side.child.pid!);
        const r = await postAll(side.url, notifications, CONCURRENCY);
        if (r.ok !== r.sent)
          throw new Error(`${side.tree.name}: ${r.sent - r.ok} notifications not answered 204`);
        side.cpu += cpuMs(side.child.pid!) - cpu0;
        side.ok += r.ok;
        side.seconds += r.seconds;
        side.roundRates.push(r.ok / r.seconds);
        side.latencies.push(...r.latenciesMs);
      }
    }
    return running.map((s) => ({
      side: s.tree.name,
      perSecond: s.ok / s.seconds,
      roundRates: s.roundRates,
      p99Ms: summarize(s.latencies).p99,
      serverCpuMs: s.cpu / s.ok,
    }));
  } finally {
    for (const s of running) {
      await stopChild(s.child, 'SIGTERM');
      await s.db.drop();
    }
  }
}
