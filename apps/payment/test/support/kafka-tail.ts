import { testKafka, uniqueName } from '@wxpay/testing';
import { type Consumer } from 'kafkajs';

export interface TailMessage {
  key: string | null;
  value: string | null;
}

/**
 * Reads what a topic receives from now on: the high-water marks are taken first, and the consumer starts from
 * them, so a shared topic with a long history (benchmarks write to the same topics) is not read from the start.
 */
export class KafkaTail {
  private constructor(
    private readonly topic: string,
    private readonly offsets: { partition: number; offset: string }[],
  ) {}

  static async mark(topic: string): Promise<KafkaTail> {
    const admin = testKafka('payment-test-tail').admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new KafkaTail(
        topic,
        offsets.map((o) => ({ partition: o.partition, offset: o.high })),
      );
    } finally {
      await admin.disconnect();
    }
  }

  /** Messages since the mark, until `done` holds or the timeout passes. */
  async read(done: (messages: TailMessage[]) => boolean, timeoutMs = 20_000): Promise<TailMessage[]> {
    const consumer: Consumer = testKafka('payment-test-tail').consumer({
      groupId: uniqueName('payment-tail'),
      sessionTimeout: 6000,
      heartbeatInterval: 500,
    });
    const seen: TailMessage[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: false });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
            if (done(seen)) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
        for (const o of this.offsets)
          consumer.seek({ topic: this.topic, partition: o.partition, offset: o.offset });
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }
}
