import { randomUUID } from 'crypto';
import { createKafka, readTopic, type KafkaConnection } from '@wxpay/messaging';
import { eventually } from '../kafka';

const READINESS_TOPIC = '_wxpay.readiness';

function client(connection: KafkaConnection, clientId: string) {
  return createKafka({ clientId, connection });
}

/** True when a broker at `connection` answers a metadata request within the timeout. */
export async function kafkaAnswers(connection: KafkaConnection, timeoutMs = 2000): Promise<boolean> {
  const admin = client({ ...connection }, 'wxpay-probe').admin();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const attempt = admin.brokerCount().then(
    (n) => n > 0,
    () => false,
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
    await admin.close().catch(() => undefined);
  }
}

/**
 * Proves the broker serves clients end to end: a message produced on a readiness topic is read back by a consumer
 * group. A broker that answers metadata may still have no group coordinator yet; this waits for that too.
 */
export async function proveProduceConsume(connection: KafkaConnection, timeoutMs: number): Promise<void> {
  const kafka = client(connection, 'wxpay-readiness');
  const admin = kafka.admin();
  try {
    await admin.ensureTopics([
      {
        name: READINESS_TOPIC,
        partitions: 1,
        retentionMs: 3600_000,
        description: 'readiness probe',
        producers: [],
        consumers: [],
      },
    ]);
  } finally {
    await admin.close();
  }
  const marker = randomUUID();
  const publisher = kafka.publisher();
  try {
    await publisher.send([{ topic: READINESS_TOPIC, key: null, value: marker }]);
  } finally {
    await publisher.close();
  }
  const readBack = (messages: readonly { value: Buffer | null }[]) =>
    messages.some((m) => m.value?.toString() === marker);
  let why = 'not read back';
  // A broker restarted on a data folder with many consumer groups answers metadata while it still loads its group
  // coordinator, and joining a group fails until then (the client gives up after 9 tries): try again until the end.
  await eventually(
    async () => {
      try {
        return readBack(await readTopic(kafka, READINESS_TOPIC, { timeoutMs: 5000, until: readBack }));
      } catch (e) {
        why = e instanceof Error ? e.message.slice(0, 200) : String(e);
        return false;
      }
    },
    'the readiness marker read back',
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (${why})`);
  });
}
