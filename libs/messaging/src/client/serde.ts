import { type Platformatic, platformatic } from './platformatic';

/** Keys and headers are text (aggregate ids, event ids, trace context); values stay bytes until parsed. */
export type Key = string;
export type Value = Buffer;
export type HeaderKey = string;
export type HeaderValue = string;

/** Values go out as given: the outbox's stored text, or bytes of a dead letter republished unchanged. */
function valueSerializer(data?: Buffer | string): Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export const serializers: Platformatic.Serializers<Key, Buffer | string, HeaderKey, HeaderValue> = {
  key: platformatic.stringSerializer,
  value: valueSerializer,
  headerKey: platformatic.stringSerializer,
  headerValue: platformatic.stringSerializer,
};

export const deserializers: Partial<Platformatic.Deserializers<Key, Value, HeaderKey, HeaderValue>> = {
  key: platformatic.stringDeserializer,
  headerKey: platformatic.stringDeserializer,
  headerValue: platformatic.stringDeserializer,
};

/** A message as this library's consumers see it: offsets as decimal strings, headers as a plain record. */
export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export function received(m: Platformatic.Message<Key, Value, HeaderKey, HeaderValue>): ReceivedMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of m.headers) headers[k] = v;
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
    timestamp: m.timestamp.toString(),
  };
}
