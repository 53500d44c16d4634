import { Kafka, logLevel } from 'kafkajs';

/** Deletes every topic whose name starts with `prefix` (a test run's own); returns how many. */
export async function deleteTopicsWithPrefix(brokers: string[], prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete topics without a prefix: that would be every topic');
  const admin = new Kafka({ clientId: 'wxpay-test-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const own = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (own.length) await admin.deleteTopics({ topics: own, timeout: 30_000 });
    return own.length;
  } finally {
    await admin.disconnect();
  }
}
