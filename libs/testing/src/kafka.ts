import { randomBytes } from 'crypto';
import { dlqTopicOf, TOPIC_PREFIX } from '@wxpay/contracts';
import {
  createKafka,
  ensureTopics,
  kafkaConnectionFromEnv,
  readTopic as readKafkaTopic,
  type KafkaClient,
  type KafkaConnection,
} from '@wxpay/messaging';

export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers)
    throw new Error(
      'KAFKA_BROKERS is not set: integration tests must run in the integration tier (npm test)',
    );
  return brokers.split(',');
}

/** The test run's connection to Kafka, as the global setup put it in the environment (its TLS identity). */
export function testKafkaConnection(): KafkaConnection {
  testBrokers();
  return kafkaConnectionFromEnv();
}

/** A Kafka client of the test's own (its publisher, admin, readers), logging nowhere. */
export function testKafka(clientId = 'wxpay-test'): KafkaClient {
  return createKafka({ clientId, connection: testKafkaConnection() });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every topic whose name starts with `prefix` (a test run's own); returns how many. */
export async function deleteTopicsWithPrefix(prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete topics without a prefix: that would be every topic');
  const admin = testKafka('wxpay-test-cleanup').admin();
  try {
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.deleteTopics(own);
    return own.length;
  } finally {
    await admin.close();
  }
}

/** A topic (and its DLQ twin) of the test's own, so tests never see each other's messages. */
export async function createTestTopic(prefix: string, partitions = 1): Promise<string> {
  const name = `${TOPIC_PREFIX}test.${uniqueName(prefix)}`;
  const day = 24 * 3600_000;
  const flow = { producers: [], consumers: [] };
  await ensureTopics(testKafkaConnection(), [
    { name, partitions, retentionMs: day, description: 'test', ...flow },
    { name: dlqTopicOf(name), partitions: 1, retentionMs: day, description: 'test dlq', ...flow },
  ]);
  return name;
}

/** Publishes messages as they are (no outbox), e.g. a forged or malformed event; returns when acknowledged. */
export async function publishTestMessages(
  messages: {
    topic: string;
    key: string | null;
    value: string | Buffer | null;
    headers?: Record<string, string>;
  }[],
  clientId = 'wxpay-test-producer',
): Promise<void> {
  const publisher = testKafka(clientId).publisher();
  try {
    await publisher.send(messages);
  } finally {
    await publisher.close();
  }
}

export interface ReadMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
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
  const read = (m: {
    key: string | null;
    value: Buffer | null;
    headers: Record<string, string>;
    partition: number;
    offset: string;
  }): ReadMessage => ({
    key: m.key,
    value: m.value?.toString('utf8') ?? null,
    headers: m.headers,
    partition: m.partition,
    offset: m.offset,
  });
  // With `until` the read ends as soon as it holds, so waiting longer costs nothing when all is well and keeps
  // a busy machine (a slow group join, a slow relay) from failing the test; without it, the wait is the read.
  const messages = await readKafkaTopic(testKafka('wxpay-test-reader'), topic, {
    timeoutMs: opts.timeoutMs ?? (opts.until ? 30_000 : 10_000),
    until: opts.until ? (seen) => opts.until!(seen.map(read)) : undefined,
  });
  return messages.map(read);
}

export interface PublishedEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
}

/**
 * The events published on `topic` under `key`, in the order Kafka holds them, each once: the relay delivers at least
 * once, so a copy of an event id already seen is folded. Reads the whole topic for `timeoutMs`, so an event after the
 * last one a test expects is seen too; wait until the outbox holds none of the key's rows before calling it.
 */
export async function readPublishedEvents(
  topic: string,
  key: string,
  timeoutMs = 3000,
): Promise<PublishedEvent[]> {
  const mine = (await readTopic(topic, { timeoutMs }))
    .filter((m) => m.key === key && m.value !== null)
    .sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  const seen = new Set<string>();
  return mine
    .map((m) => JSON.parse(m.value!) as PublishedEvent)
    .filter((e) => !seen.has(e.id) && seen.add(e.id));
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
