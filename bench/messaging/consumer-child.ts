/*
 * The outbox benchmark's consumer as a process of its own, as the services' consumers are: the relay runs inside
 * the service that writes the outbox, the events' consumers in other services. Started by outbox-relay.bench.ts
 * with the topic and the number of messages to wait for; it says `ready` once its group consumer has started,
 * `done` (with the instant, epoch milliseconds) as the last message arrives, then sends every message's key and
 * arrival instant for the latency figures.
 */
import { testKafka, uniqueName } from '@wxpay/testing';

async function main(): Promise<void> {
  const [topic, countText] = process.argv.slice(2);
  const count = Number(countText);
  if (!topic || !(count > 0)) throw new Error('usage: consumer-child <topic> <count>');
  const arrivals: [string, number][] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = testKafka('bench-consumer').groupConsumer({
    groupId: uniqueName('bench'),
    topics: [topic],
    concurrency: 6,
    maxChunk: 500,
    handle: async (chunk) => {
      const at = performance.timeOrigin + performance.now();
      for (const m of chunk) {
        arrivals.push([m.key!, at]);
        if (arrivals.length === count) {
          process.send!({ done: at });
          done();
        }
      }
    },
  });
  await consumer.start();
  process.send!({ ready: true });
  await finished;
  await new Promise<void>((resolve) => process.send!({ arrivals }, () => resolve()));
  await consumer.stop();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
