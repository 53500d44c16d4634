import { type Metrics } from '@wxpay/observability';
import { deadLetterCounter, type DeadLetterCounter } from './dead-letter';

/**
 * What an operator watches on the event pipeline: events published by the relay, the backlog it still has, and
 * each consumed message's outcome (processed, duplicate, dead-lettered). A growing backlog or any dead letter is
 * worth an alert.
 */
export interface MessagingMetrics {
  published(topic: string, count: number): void;
  pending(count: number): void;
  consumed(
    group: string,
    topic: string,
    outcome: 'processed' | 'duplicate' | 'dead-lettered',
    count?: number,
  ): void;
  handlerFailed(group: string, topic: string): void;
  /** A message published to its DLQ (not a redelivery of one already there); optional for older stand-ins. */
  deadLettered?: DeadLetterCounter;
}

export const NO_METRICS: MessagingMetrics = {
  published: () => undefined,
  pending: () => undefined,
  consumed: () => undefined,
  handlerFailed: () => undefined,
  deadLettered: () => undefined,
};

export function messagingMetrics(metrics: Metrics): MessagingMetrics {
  const published = metrics.counter({
    name: 'wxpay_outbox_published_total',
    help: 'Outbox events published to Kafka',
    labelNames: ['topic'],
  });
  const pending = metrics.gauge({
    name: 'wxpay_outbox_pending',
    help: 'Outbox events seen unpublished in the last relay round (capped at the batch size)',
  });
  const consumed = metrics.counter({
    name: 'wxpay_consumer_messages_total',
    help: 'Messages consumed, by outcome',
    labelNames: ['group', 'topic', 'outcome'],
  });
  const failed = metrics.counter({
    name: 'wxpay_consumer_handler_failures_total',
    help: 'Handler attempts that threw (retried or dead-lettered)',
    labelNames: ['group', 'topic'],
  });
  return {
    published: (topic, count) => published.inc({ topic }, count),
    pending: (count) => pending.set(count),
    consumed: (group, topic, outcome, count = 1) => consumed.inc({ group, topic, outcome }, count),
    handlerFailed: (group, topic) => failed.inc({ group, topic }),
    deadLettered: deadLetterCounter(metrics),
  };
}
