/**
 * Outbox relay throughput and commit-to-consume latency, against the raw client's produce→consume measured in the same
 * run on the same broker as the reference. Writers commit one event per transaction, as services do.
 *
 * The raw client and the relay's backlog drain alternate for BENCH_ROUNDS rounds after a warm-up pair that is not
 * counted (a broker just started runs its first tens of thousands of messages at half speed while the JVM compiles),
 * and the ratio is the median of the rounds' with a bootstrap interval: on a shared 2-core machine one pair alone
 * moved between 50 % and 100 %.
 */
import { fork } from 'child_process';
import { randomUUID } from 'crypto';
import { join } from 'path';
import { MESSAGING_MIGRATIONS, OutboxRelay, appendToOutbox, createKafka } from '@wxpay/messaging';
import { createTestDatabase, createTestTopic, testKafka, testKafkaConnection } from '@wxpay/testing';
import pino from 'pino';
import { benchInfra } from '../support/infra';
import { machineLine, pairedMedianRatio, printTable, summarize } from '../support/stats';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
/** The live outbox is bounded by its writers' commits (about 1,500/s here): fewer events keep it short. */
const LIVE_EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const logger = pino({ level: 'error' });

/**
 * Consumes `topic` in a child process (consumer-child.ts) until `count` messages arrived; calls onMessage with each
 * value's key and arrival time (this process's performance.now() scale). The returned wait resolves with the instant
 * the last one arrived. A consumer of its own process, as in the cluster: in the bench's process it would share one
 * thread with the relay (or the raw producer) and charge each one's JavaScript to the other.
 */
async function consumeAll(
  topic: string,
  count: number,
  onMessage: (id: string, at: number) => void,
): Promise<() => Promise<number>> {
  const child = fork(join(__dirname, 'consumer-child.ts'), [topic, String(count)], {
    execArgv: ['-r', join(__dirname, '../../tools/ts-register.js')],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const message = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const listen = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off('message', listen);
          resolve(m[key] as T);
        }
      };
      child.on('message', listen);
      void exited.then((code) => reject(new Error(`the consumer exited (${code}) before '${key}'`)));
    });
  const done = message<number>('done');
  const arrivals = message<[string, number][]>('arrivals');
  // Awaited below; a consumer that dies early rejects them all, and the first await reports it.
  done.catch(() => undefined);
  arrivals.catch(() => undefined);
  await message<true>('ready');
  return async () => {
    const doneAt = (await done) - performance.timeOrigin;
    for (const [id, at] of await arrivals) onMessage(id, at - performance.timeOrigin);
    await exited;
    return doneAt;
  };
}

/** An envelope as the outbox returns it (jsonb's text form of what relayDrain inserts). */
function storedEnvelope(id: string): string {
  return JSON.stringify({
    id,
    type: 'PaymentCaptured',
    traceId: id,
    payload: { amount: { minor: 100, currency: 'CNY' } },
    version: 1,
    occurredAt: '2026-11-25T00:00:00.000Z',
    aggregateId: id,
  });
}

async function rawKafka(): Promise<Record<string, string | number>> {
  const topic = await createTestTopic('bench-raw', 6);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const wait = await consumeAll(topic, EVENTS, (id, at) => latencies.push(at - sentAt.get(id)!));
  const producer = testKafka('bench-raw').publisher();
  const t0 = performance.now();
  // The same traffic as the relay's: batches of up to 500, acks=all, idempotent producer, and the same messages
  // (the envelope the outbox stores, the event-id and event-type headers), so the ratio compares like with like.
  for (let i = 0; i < EVENTS; i += 500) {
    const messages = Array.from({ length: Math.min(500, EVENTS - i) }, () => {
      const id = randomUUID();
      sentAt.set(id, performance.now());
      return {
        topic,
        key: id,
        value: storedEnvelope(id),
        headers: { 'event-id': id, 'event-type': 'PaymentCaptured' },
      };
    });
    await producer.send(messages);
  }
  const seconds = ((await wait()) - t0) / 1000;
  await producer.close();
  const s = summarize(latencies);
  return {
    path: 'raw client produce→consume',
    events: EVENTS,
    'events/s': Math.round(EVENTS / seconds),
    'p50 ms': s.p50.toFixed(1),
    'p99 ms': s.p99.toFixed(1),
  };
}

async function outbox(): Promise<Record<string, string | number>> {
  const topic = await createTestTopic('bench-outbox', 6);
  const db = await createTestDatabase({
    migrations: MESSAGING_MIGRATIONS,
    label: 'bench_outbox',
  });
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  const wait = await consumeAll(topic, LIVE_EVENTS, (id, at) => latencies.push(at - committedAt.get(id)!));
  const relay = new OutboxRelay({
    dataSource: db.dataSource,
    kafka: createKafka({ clientId: 'bench-relay', connection: testKafkaConnection(), logger }),
    logger,
  });
  await relay.start();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < LIVE_EVENTS) {
        next++;
        const aggregateId = randomUUID();
        await db.dataSource.transaction((m) =>
          appendToOutbox(m, {
            topic,
            type: 'PaymentCaptured',
            aggregateId,
            traceId: aggregateId,
            payload: { amount: { minor: 100, currency: 'CNY' } },
          }),
        );
        committedAt.set(aggregateId, performance.now());
      }
    }),
  );
  const commitSeconds = (performance.now() - t0) / 1000;
  const seconds = ((await wait()) - t0) / 1000;
  await relay.stop();
  await db.drop();
  const s = summarize(latencies.filter((l) => !Number.isNaN(l)));
  return {
    path: `outbox: ${WRITERS} writers → relay → consumer`,
    events: LIVE_EVENTS,
    'events/s': Math.round(LIVE_EVENTS / seconds),
    'p50 ms': s.p50.toFixed(1),
    'p99 ms': s.p99.toFixed(1),
    'commits/s': Math.round(LIVE_EVENTS / commitSeconds),
  };
}

/** The relay alone: a backlog committed beforehand, drained to a consumer (its own ceiling, free of writers). */
async function relayDrain(): Promise<Record<string, string | number>> {
  const topic = await createTestTopic('bench-drain', 6);
  const db = await createTestDatabase({
    migrations: MESSAGING_MIGRATIONS,
    label: 'bench_drain',
  });
  const rows = Array.from({ length: EVENTS }, () => randomUUID());
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await db.dataSource.query(
      `INSERT INTO outbox_event (id, topic, message_key, envelope)
       SELECT id, $2, id::text, jsonb_build_object('id', id, 'type', 'PaymentCaptured', 'version', 1,
         'occurredAt', '2026-11-25T00:00:00.000Z', 'aggregateId', id::text, 'traceId', id::text,
         'payload', jsonb_build_object('amount', jsonb_build_object('minor', 100, 'currency', 'CNY')))
       FROM unnest($1::uuid[]) AS id`,
      [chunk, topic],
    );
  }
  const wait = await consumeAll(topic, EVENTS, () => undefined);
  const relay = new OutboxRelay({
    dataSource: db.dataSource,
    kafka: createKafka({ clientId: 'bench-drain', connection: testKafkaConnection(), logger }),
    logger,
  });
  const t0 = performance.now();
  await relay.start();
  const seconds = ((await wait()) - t0) / 1000;
  await relay.stop();
  await db.drop();
  return {
    path: 'outbox relay draining a backlog → consumer',
    events: EVENTS,
    'events/s': Math.round(EVENTS / seconds),
    'p50 ms': '-',
    'p99 ms': '-',
  };
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  try {
    await rawKafka(); // warm-up pair: neither is counted
    await relayDrain();
    const raws: Record<string, string | number>[] = [];
    const drains: Record<string, string | number>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first, so neither always meets the machine as the other left it.
      if (round % 2 === 0) {
        raws.push(await rawKafka());
        drains.push(await relayDrain());
      } else {
        drains.push(await relayDrain());
        raws.push(await rawKafka());
      }
    }
    const ob = await outbox();
    const rate = (row: Record<string, string | number>) => Number(row['events/s']);
    printTable(`Outbox relay vs the raw Kafka client (${machineLine()})`, [
      ...raws.flatMap((raw, i) => [
        { round: i + 1, ...raw },
        { round: i + 1, ...drains[i]!, 'of raw': `${((rate(drains[i]!) / rate(raw)) * 100).toFixed(0)}%` },
      ]),
      { round: '-', ...ob },
    ]);
    const { ratio, low, high } = pairedMedianRatio(raws.map(rate), drains.map(rate));
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    console.log(
      `relay drain = ${pct(ratio)} of the raw client (median of ${ROUNDS} rounds, 95% CI ${pct(low)}..${pct(high)}); ` +
        `live outbox (bounded by commits/s) = ${pct(rate(ob) / Math.max(...raws.map(rate)))} of the fastest raw round`,
    );
  } finally {
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
