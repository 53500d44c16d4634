import { randomUUID } from 'crypto';
import { Topics } from '@wxpay/contracts';
import { testKafka } from '@wxpay/testing';
import { type KafkaAdmin } from '@wxpay/messaging';
import { RepaymentCluster, type TestCard } from '../../apps/repayment/test/support/repayment-cluster';
import { signerOf } from '../../apps/repayment/test/support/scenario';
import { benchInfra } from '../support/infra';
import { machineLine, printTable } from '../support/stats';

/*
 * Automatic repayment on a due date with many plans, the whole cluster on this machine: N statements issued over
 * Kafka, then the business clock moved to the notice time and to the deduction time. Measured: statements taken in
 * (scheduled) per second, notices per second, and deductions carried end to end (WeChat Pay deduction,
 * notification through the payment webhook and Kafka, credit posted over UnionPay) per second; and the time the
 * whole batch takes. Setup (cards, contracts, plans) is not measured: plans are written straight into the
 * repayment database, cards and contracts through the vault and simulator operator APIs.
 *
 * REPAYMENT_BENCH_PLANS (default 100000) sets N. Afterwards the shared topics are truncated, so later consumers that
 * read from the beginning (every test's fresh consumer group) do not replay the batch; REPAYMENT_BENCH_TRUNCATE=off
 * keeps them (while tests run beside the bench).
 */

const N = Number(process.env.REPAYMENT_BENCH_PLANS ?? 100_000);
const CONCURRENCY = 32;
const PLAN_ID = '12535';

async function inParallel<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

async function waitForStatus(
  cluster: RepaymentCluster,
  prefix: string,
  statuses: string[],
  count: number,
  label: string,
): Promise<number> {
  const started = performance.now();
  let lastPrint = 0;
  for (;;) {
    const rows = await cluster.query<{ n: string }>(
      // Only the bench's own statements: tests running beside it publish to the same topic.
      `SELECT count(*) AS n FROM repayment_run WHERE status = ANY($1) AND statement_id LIKE $2`,
      [statuses, `bench-${prefix}-%`],
    );
    const n = Number(rows[0]!.n);
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed - lastPrint >= 15) {
      lastPrint = elapsed;
      console.log(`  ${label}: ${n}/${count} after ${elapsed.toFixed(0)} s`);
    }
    if (n >= count) return elapsed;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The bench's messages must not be replayed by later consumers of these shared topics (tests read from the start). */
async function truncate(admin: KafkaAdmin, topics: string[]): Promise<void> {
  for (const topic of topics) await admin.truncateTopic(topic);
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  console.log(machineLine());
  console.log(`plans: ${N}`);
  const cluster = await new RepaymentCluster({
    wechatSim: {
      WECHATPAY_SIM_PERSIST_MS: 'off',
      WECHATPAY_SIM_DEDUCTION_DELAY_SECONDS: '0',
      LOG_LEVEL: 'error',
    },
    payment: { LOG_LEVEL: 'error' },
    repayment: {
      LOG_LEVEL: 'error',
      REPAYMENT_SCHEDULER_BATCH: '1000',
      REPAYMENT_SCHEDULER_CONCURRENCY: '64',
      UNIONPAY_CONNECTIONS: '4',
    },
  }).start();
  const admin = testKafka('repayment-bench').admin();
  try {
    // --- setup (not measured)
    let t = performance.now();
    const cards: TestCard[] = await inParallel(N, CONCURRENCY, () => cluster.seedCard());
    const cardSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const contracts: { out_contract_code: string; contract_id: string; openid: string }[] = [];
    const prefix = `B${randomUUID().slice(0, 8)}`;
    for (let start = 0; start < N; start += 1000) {
      const r = await cluster.wechat.call<{ contracts: typeof contracts }>(
        'POST',
        '/sim/admin/contracts/bulk',
        {
          plan_id: PLAN_ID,
          out_contract_code_prefix: prefix,
          openid_prefix: `o${prefix}`,
          count: Math.min(1000, N - start),
          start,
          balance_fen: 10_000_000,
          contract_notify_url: `${cluster.paymentHttp}/notify/wechatpay/papay`,
        },
      );
      if (r.status >= 300) throw new Error(`bulk seeding refused: ${JSON.stringify(r.body)}`);
      contracts.push(...r.body.contracts);
    }
    for (let start = 0; start < N; start += 2000) {
      const rows = cards.slice(start, start + 2000).map((card, j) => {
        const c = contracts[start + j]!;
        return [
          `rpl_bench_${prefix}_${start + j}`,
          card.token,
          PLAN_ID,
          c.out_contract_code,
          c.contract_id,
          c.openid,
        ];
      });
      await cluster.query(
        `INSERT INTO repayment_plan (id, card_token, wechat_plan_id, out_contract_code, contract_id, payer_openid,
           mode, currency, days_before_due, status)
         SELECT x[1], x[2], x[3], x[4], x[5], x[6], 'FULL', 'CNY', 3, 'ACTIVE'
           FROM jsonb_array_elements($1::jsonb) AS r, LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(r)) AS x) a`,
        [JSON.stringify(rows)],
      );
    }
    const seedSeconds = (performance.now() - t) / 1000;
    console.log(
      `setup: ${N} cards in ${cardSeconds.toFixed(0)} s, contracts and plans in ${seedSeconds.toFixed(0)} s`,
    );

    // --- the due date
    const now = await cluster.now();
    const due = new Date(now.getTime() + 8 * 3600_000 + 10 * 86_400_000).toISOString().slice(0, 10);
    const batchStart = performance.now();
    const producer = testKafka('repayment-bench').publisher();
    // Signed as the card system: the service acts on nothing else.
    const cardSystem = signerOf('card-system');
    for (let start = 0; start < N; start += 1000) {
      await producer.send(
        cards.slice(start, start + 1000).map((card, j) => {
          const statementId = `bench-${prefix}-${start + j}`;
          const value = JSON.stringify({
            id: randomUUID(),
            type: 'StatementIssued',
            version: 1,
            occurredAt: new Date().toISOString(),
            aggregateId: statementId,
            traceId: statementId,
            payload: {
              statementId,
              cardToken: card.token,
              amountDue: { minor: 100_00 + ((start + j) % 5000), currency: 'CNY' },
              minimumDue: { minor: 10_00, currency: 'CNY' },
              dueDate: due,
            },
          });
          return {
            topic: Topics.statements.name,
            key: statementId,
            value,
            headers: cardSystem.sign(Topics.statements.name, statementId, value),
          };
        }),
      );
    }
    await producer.close();
    const ingestSeconds = await waitForStatus(cluster, prefix, ['SCHEDULED'], N, 'scheduled');
    const sample = await cluster.query<{ notice_at: Date; deduct_at: Date }>(
      `SELECT notice_at, deduct_at FROM repayment_run WHERE statement_id = $1`,
      [`bench-${prefix}-0`],
    );
    await cluster.setClock(new Date(sample[0]!.notice_at));
    const noticeSeconds = await waitForStatus(cluster, prefix, ['NOTICE_SENT'], N, 'notices sent');
    await cluster.setClock(new Date(sample[0]!.deduct_at));
    const deductSeconds = await waitForStatus(cluster, prefix, ['REPAID'], N, 'repaid');
    const batchSeconds = (performance.now() - batchStart) / 1000;
    const attempts = await cluster.query<{ n: string; s: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE state = 'SUCCEEDED') AS s FROM deduction_attempt
        WHERE statement_id LIKE $1`,
      [`bench-${prefix}-%`],
    );
    const posted = await cluster.query<{ n: string }>(
      `SELECT count(*) AS n FROM repayment_posting WHERE state = 'POSTED' AND statement_id LIKE $1`,
      [`bench-${prefix}-%`],
    );
    printTable(`automatic repayment, ${N} plans due the same day (whole cluster on this machine)`, [
      {
        phase: 'statements in → scheduled',
        seconds: ingestSeconds.toFixed(1),
        'per second': (N / ingestSeconds).toFixed(0),
      },
      {
        phase: 'pre-deduction notices',
        seconds: noticeSeconds.toFixed(1),
        'per second': (N / noticeSeconds).toFixed(0),
      },
      {
        phase: 'deduction → notification → posting',
        seconds: deductSeconds.toFixed(1),
        'per second': (N / deductSeconds).toFixed(0),
      },
      {
        phase: 'whole batch (wall clock)',
        seconds: batchSeconds.toFixed(1),
        'per second': (N / batchSeconds).toFixed(0),
      },
    ]);
    console.log(
      `deduction attempts: ${attempts[0]!.n} (${attempts[0]!.s} succeeded); postings: ${posted[0]!.n}`,
    );
    if (Number(attempts[0]!.s) !== N || Number(posted[0]!.n) !== N) {
      throw new Error('every plan must be deducted and posted exactly once');
    }
  } finally {
    if (process.env.REPAYMENT_BENCH_TRUNCATE !== 'off')
      await truncate(admin, [
        Topics.statements.name,
        Topics.wechatpayNotifications.name,
        Topics.repaymentsLifecycle.name,
      ]).catch((e: unknown) => console.error(`topic truncation failed: ${(e as Error).message}`));
    await admin.close();
    await cluster.stop();
    await infra.stop?.();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
