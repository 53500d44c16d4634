import { extractTraceContext, SpanKind, startSpan, type Span } from '@wxpay/observability';
import { type ReceivedMessage } from './client/serde';

/**
 * The consumer span of one message (call only with tracing on): a child of the publish span whose context the
 * message carries in its `traceparent` header, or a new trace (sampled at the configured ratio) when it has none.
 */
export function consumeSpan(
  topic: string,
  partition: number,
  groupId: string,
  message: ReceivedMessage,
): Span | undefined {
  const parent = extractTraceContext(message.headers, (headers, key) => headers[key]);
  return startSpan(`${topic} process`, {
    kind: SpanKind.CONSUMER,
    parent,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(partition),
      'messaging.consumer.group.name': groupId,
      'messaging.kafka.offset': Number(message.offset),
    },
  });
}
