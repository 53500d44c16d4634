import { randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';

const READINESS_TOPIC = '_wxpay.readiness';

function quietClient(brokers: string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  });
}

/** True when a broker at `brokers` answers a metadata request within the timeout. */
export async function kafkaAnswers(brokers: string[], timeoutMs = 2000): Promise<boolean> {
  const admin = quietClient(brokers, 'wxpay-probe').admin();
  const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const attempt = (async () => {
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  })();
  return Promise.race([attempt, timer]);
}

/**
 * Proves the broker serves clients end to end: a message produced on a readiness topic is read back by a consumer
 * group. A broker that answers metadata may still have no group coordinator yet; this waits for that too.
 */
export async function proveProduceConsume(brokers: string[], timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'wxpay-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(READINESS_TOPIC)) {
      await admin
        .createTopics({ topics: [{ topic: READINESS_TOPIC, numPartitions: 1 }], waitForLeaders: true })
        .catch(() => undefined);
    }
  } finally {
    await admin.disconnect();
  }
  const marker = randomUUID();
  const consumer = kafka.consumer({
    groupId: `wxpay-readiness-${marker}`,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([consumer.connect(), producer.connect()]);
  try {
    await consumer.subscribe({ topic: READINESS_TOPIC, fromBeginning: true });
    const seen = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString() === marker) resolve();
        },
      });
    });
    await producer.send({ topic: READINESS_TOPIC, messages: [{ value: marker }] });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no message read back within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([seen, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([`wxpay-readiness-${marker}`]).catch(() => undefined);
    await cleanup.disconnect();
  }
}
