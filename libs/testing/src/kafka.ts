import { randomBytes } from 'crypto';
import { dlqTopicOf, ensureTopics, TOPIC_PREFIX } from '@wxpay/contracts';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers)
    throw new Error(
      'KAFKA_BROKERS is not set: integration tests must run in the integration tier (npm test)',
    );
  return brokers.split(',');
}

export function testKafka(clientId = 'wxpay-test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.NOTHING });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every topic whose name starts with `prefix` (a test run's own); returns how many. */
export async function deleteTopicsWithPrefix(prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete topics without a prefix: that would be every topic');
  const admin = testKafka('wxpay-test-cleanup').admin();
  await admin.connect();
  try {
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (own.length) await admin.deleteTopics({ topics: own, timeout: 30_000 });
    return own.length;
  } finally {
    await admin.disconnect();
  }
}

/** A topic (and its DLQ twin) of the test's own, so tests never see each other's messages. */
export async function createTestTopic(prefix: string, partitions = 1): Promise<string> {
  const name = `${TOPIC_PREFIX}test.${uniqueName(prefix)}`;
  const day = 24 * 3600_000;
  await ensureTopics(testBrokers(), [
    { name, partitions, retentionMs: day, description: 'test', producers: [], consumers: [] },
    {
      name: dlqTopicOf(name),
      partitions: 1,
      retentionMs: day,
      description: 'test dlq',
      producers: [],
      consumers: [],
    },
  ]);
  return name;
}

export interface ReadMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k] = String(v);
  return out;
}

/**
 * Reads a topic from the beginning until `until` is satisfied or the timeout passes (default 30 s with `until`,
 * 10 s without), then returns what it saw.
 * Used to assert on what actually reached Kafka (e.g. nothing more arrives within a quiet period).
 */
export async function readTopic(
  topic: string,
  opts: { until?: (msgs: ReadMessage[]) => boolean; timeoutMs?: number } = {},
): Promise<ReadMessage[]> {
  const kafka = testKafka('wxpay-test-reader');
  const consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    sessionTimeout: 6000,
    heartbeatInterval: 500,
  });
  const seen: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      // With `until` the read ends as soon as it holds, so waiting longer costs nothing when all is well and keeps
      // a busy machine (a slow group join, a slow relay) from failing the test; without it, the wait is the read.
      const timer = setTimeout(resolve, opts.timeoutMs ?? (opts.until ? 30_000 : 10_000));
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          seen.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers: headersToStrings(message.headers),
            partition,
            offset: message.offset,
          });
          if (opts.until?.(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/**
 * Polls until the predicate holds (for asynchronous effects), failing with the description after the timeout. The
 * default bound is generous (a CI run beside a CPU hog on both cores needed more than 15 s for some effects): it
 * is only ever reached by a test that fails.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  description: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
