import { dlqTopicOf } from '@wxpay/contracts';
import { type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  consumerGroup: string;
  attempts: number;
  reason: 'invalid-envelope' | 'handler-failed' | 'non-retriable';
  error: string;
}

/** Headers on every DLQ message: enough to find the original and to replay it once the cause is fixed. */
export const DLQ_HEADERS = {
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  consumerGroup: 'x-dlq-consumer-group',
  reason: 'x-dlq-reason',
  error: 'x-dlq-error',
  attempts: 'x-dlq-attempts',
  failedAt: 'x-dlq-failed-at',
} as const;

const MAX_ERROR_LENGTH = 1000;

export async function publishDeadLetter(producer: Producer, dl: DeadLetter): Promise<void> {
  const headers: IHeaders = {
    ...(dl.message.headers ?? {}),
    [DLQ_HEADERS.originalTopic]: dl.topic,
    [DLQ_HEADERS.originalPartition]: String(dl.partition),
    [DLQ_HEADERS.originalOffset]: dl.message.offset,
    [DLQ_HEADERS.consumerGroup]: dl.consumerGroup,
    [DLQ_HEADERS.reason]: dl.reason,
    [DLQ_HEADERS.error]: dl.error.slice(0, MAX_ERROR_LENGTH),
    [DLQ_HEADERS.attempts]: String(dl.attempts),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
  await producer.send({
    topic: dlqTopicOf(dl.topic),
    acks: -1,
    messages: [{ key: dl.message.key, value: dl.message.value, headers }],
  });
}
