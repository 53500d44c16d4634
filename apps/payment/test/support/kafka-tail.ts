import { readTopic, type PartitionMarks } from '@wxpay/messaging';
import { testKafka } from '@wxpay/testing';

export interface TailMessage {
  key: string | null;
  value: string | null;
}

/**
 * Reads what a topic receives from now on: the high-water marks are taken first, and the reader starts from
 * them, so a shared topic with a long history (benchmarks write to the same topics) is not read from the start.
 */
export class KafkaTail {
  private constructor(
    private readonly topic: string,
    private readonly marks: PartitionMarks[],
  ) {}

  static async mark(topic: string): Promise<KafkaTail> {
    const admin = testKafka('payment-test-tail').admin();
    try {
      return new KafkaTail(topic, await admin.partitionMarks(topic));
    } finally {
      await admin.close();
    }
  }

  /** Messages since the mark, until `done` holds or the timeout passes. */
  async read(done: (messages: TailMessage[]) => boolean, timeoutMs = 20_000): Promise<TailMessage[]> {
    const tail = (m: { key: string | null; value: Buffer | null }): TailMessage => ({
      key: m.key,
      value: m.value?.toString('utf8') ?? null,
    });
    const messages = await readTopic(testKafka('payment-test-tail'), this.topic, {
      from: this.marks.map((m) => ({ partition: m.partition, offset: m.high })),
      until: (seen) => done(seen.map(tail)),
      timeoutMs,
    });
    return messages.map(tail);
  }
}
