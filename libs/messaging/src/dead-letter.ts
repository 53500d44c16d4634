import { dlqTopicOf } from '@wxpay/contracts';
import { type Metrics } from '@wxpay/observability';
import { type EventPublisher } from './client/publisher';
import { type ReceivedMessage } from './client/serde';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: ReceivedMessage;
  consumerGroup: string;
  attempts: number;
  reason: 'invalid-envelope' | 'handler-failed' | 'non-retriable' | 'unverified';
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

export const DEAD_LETTERS = 'wxpay_dead_letters_total';

/** Counts a message put on its DLQ, by original topic and why (a replay needs the cause fixed first). */
export type DeadLetterCounter = (dl: Pick<DeadLetter, 'topic' | 'reason'>) => void;

/**
 * `wxpay_dead_letters_total{topic,reason}`, the DLQ rate per topic. Consumers count through their
 * MessagingMetrics (`deadLettered`), once the DLQ has the message and it was not a redelivery's second copy.
 */
export function deadLetterCounter(metrics: Metrics): DeadLetterCounter {
  const counter = metrics.counter({
    name: DEAD_LETTERS,
    help: 'Messages sent to their DLQ, by original topic and reason (invalid-envelope, handler-failed, non-retriable, unverified)',
    labelNames: ['topic', 'reason'],
  });
  return ({ topic, reason }) => counter.inc({ topic, reason });
}

export async function publishDeadLetter(publisher: EventPublisher, dl: DeadLetter): Promise<void> {
  const headers: Record<string, string> = {
    ...dl.message.headers,
    [DLQ_HEADERS.originalTopic]: dl.topic,
    [DLQ_HEADERS.originalPartition]: String(dl.partition),
    [DLQ_HEADERS.originalOffset]: dl.message.offset,
    [DLQ_HEADERS.consumerGroup]: dl.consumerGroup,
    [DLQ_HEADERS.reason]: dl.reason,
    [DLQ_HEADERS.error]: dl.error.slice(0, MAX_ERROR_LENGTH),
    [DLQ_HEADERS.attempts]: String(dl.attempts),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
  await publisher.send([
    { topic: dlqTopicOf(dl.topic), key: dl.message.key, value: dl.message.value, headers },
  ]);
}
