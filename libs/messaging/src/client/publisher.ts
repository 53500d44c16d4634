import { type Platformatic, platformatic } from './platformatic';
import { serializers, type HeaderKey, type HeaderValue, type Key } from './serde';

export interface OutgoingMessage {
  topic: string;
  /** The aggregate id: one aggregate's events land on one partition, in order. */
  key: string | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
  /** Only where a test needs a given partition; otherwise the key decides. */
  partition?: number;
}

type Producer = Platformatic.Producer<Key, Buffer | string, HeaderKey, HeaderValue>;

/**
 * Publishes with acks from every in-sync replica, the idempotent producer (a retried batch is written once) and
 * Kafka's Java partitioner (murmur2 of the key): a key lands on the partition the Java client, kafkajs and every
 * earlier release of this gateway put it on, so one aggregate's events stay in order across the client change.
 */
export class EventPublisher {
  constructor(private readonly producer: Producer) {}

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      messages: messages.map((m) => ({
        topic: m.topic,
        key: m.key ?? undefined,
        value: m.value ?? undefined,
        headers: m.headers,
        ...(m.partition === undefined ? {} : { partition: m.partition }),
      })),
    });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

export function newProducer(options: Platformatic.BaseOptions): Producer {
  return new platformatic.Producer<Key, Buffer | string, HeaderKey, HeaderValue>({
    ...options,
    serializers,
    idempotent: true,
    acks: -1,
    autocreateTopics: false,
    partitioner: platformatic.compatibilityPartitioner,
  });
}
