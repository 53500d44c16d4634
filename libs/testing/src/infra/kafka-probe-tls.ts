import { randomUUID } from 'crypto';
import type * as Platformatic from '@platformatic/kafka';

/*
 * TEMPORARY (wip-broker): kafka-probe.ts's two probes taking a connection (TLS with a client certificate, or
 * PLAINTEXT) instead of a broker list, until the kafka-probe.ts being migrated to @platformatic/kafka replaces
 * this file with the same signatures. libs/testing cannot import libs/messaging (whose tests import libs/testing),
 * so it loads the client library itself, as libs/messaging/src/client/platformatic.ts does.
 */
const platformatic = process.getBuiltinModule('module').createRequire(__filename)(
  '@platformatic/kafka',
) as typeof Platformatic;

const READINESS_TOPIC = '_wxpay.readiness';

/** The shape of libs/messaging's KafkaConnection that a probe needs (TLS material as PEM text). */
export interface ProbeConnection {
  brokers: string[];
  tls?: { ca: string; cert?: string; key?: string };
}

function options(connection: ProbeConnection, clientId: string, retries: number) {
  const { tls } = connection;
  return {
    clientId,
    bootstrapBrokers: connection.brokers,
    connectTimeout: 1000,
    retries,
    retryDelay: 250,
    ...(tls ? { tls: { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: true } } : {}),
  };
}

/** True when the brokers answer a metadata request over `connection` within the timeout. */
export async function kafkaAnswers(connection: ProbeConnection, timeoutMs = 2000): Promise<boolean> {
  const admin = new platformatic.Admin(options(connection, 'wxpay-probe', 0));
  const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const attempt = admin.metadata({ topics: [] }).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([attempt, timer]);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/**
 * Proves the brokers serve clients end to end: a message produced on a readiness topic is read back by a consumer
 * group. A broker that answers metadata may still have no group coordinator yet; this waits for that too.
 */
export async function proveProduceConsume(connection: ProbeConnection, timeoutMs: number): Promise<void> {
  const admin = new platformatic.Admin(options(connection, 'wxpay-readiness', 8));
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(READINESS_TOPIC)) {
      await admin.createTopics({ topics: [READINESS_TOPIC], partitions: 1 }).catch(() => undefined);
    }
  } finally {
    await admin.close();
  }
  const marker = randomUUID();
  const groupId = `wxpay-readiness-${marker}`;
  const producer = new platformatic.Producer({
    ...options(connection, 'wxpay-readiness', 8),
    serializers: platformatic.stringSerializers,
  });
  const consumer = new platformatic.Consumer({
    ...options(connection, 'wxpay-readiness', 8),
    groupId,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    deserializers: platformatic.stringDeserializers,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no message read back within ${timeoutMs} ms`)), timeoutMs);
    });
    const readBack = (async () => {
      await producer.send({ messages: [{ topic: READINESS_TOPIC, value: marker }] });
      const stream = await consumer.consume({
        topics: [READINESS_TOPIC],
        mode: platformatic.MessagesStreamModes.COMMITTED,
        fallbackMode: platformatic.MessagesStreamFallbackModes.EARLIEST,
      });
      try {
        for await (const message of stream) if (message.value === marker) return;
      } finally {
        await stream.close();
      }
    })();
    await Promise.race([readBack, deadline]);
  } finally {
    clearTimeout(timer);
    await Promise.all([producer.close(), consumer.close(true)]).catch(() => undefined);
    const cleanup = new platformatic.Admin(options(connection, 'wxpay-readiness', 2));
    await cleanup.deleteGroups({ groups: [groupId] }).catch(() => undefined);
    await cleanup.close().catch(() => undefined);
  }
}
