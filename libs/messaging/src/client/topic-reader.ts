import { randomUUID } from 'crypto';
import { type KafkaClient } from './kafka-client';
import { type ReceivedMessage } from './serde';

export interface ReadOptions {
  /** Start at these offsets per partition (from KafkaAdmin.partitionMarks), else at the beginning. */
  from?: readonly { partition: number; offset: bigint | string }[];
  /** Stop as soon as this holds for what was read. */
  until?: (messages: readonly ReceivedMessage[]) => boolean;
  /** Stop after this long in any case. */
  timeoutMs: number;
}

/**
 * Reads a topic outside any service's consumer group (tests, the card-data scan, an operator's look at a DLQ):
 * a throw-away group that never commits, deleted afterwards.
 */
export async function readTopic(
  kafka: KafkaClient,
  topic: string,
  opts: ReadOptions,
): Promise<ReceivedMessage[]> {
  const groupId = `wxpay-reader-${randomUUID()}`;
  const seen: ReceivedMessage[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const reader = kafka.groupConsumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    maxChunk: 500,
    concurrency: 16,
    startAt: opts.from?.map((o) => ({ topic, partition: o.partition, offset: BigInt(o.offset) })),
    commits: false,
    handle: async (chunk) => {
      seen.push(...chunk);
      if (opts.until?.(seen)) done();
    },
  });
  const timer = setTimeout(done, opts.timeoutMs);
  try {
    await reader.start();
    await finished;
  } finally {
    clearTimeout(timer);
    await reader.stop();
    const admin = kafka.admin();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
  return seen;
}
