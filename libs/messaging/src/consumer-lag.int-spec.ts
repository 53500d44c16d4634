import { createMetrics, type Metrics } from '@wxpay/observability';
import { captureLogger, createTestTopic, eventually, testKafka, uniqueName } from '@wxpay/testing';
import { type KafkaAdmin } from './client/admin';
import { type GroupConsumer } from './client/group-consumer';
import { ConsumerLagPoller } from './consumer-lag';

jest.setTimeout(90_000);

const { logger } = captureLogger('warn');

/** The gauge's samples as `group topic partition → lag`, read from the registry's text output. */
async function lagSamples(metrics: Metrics, group: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const text = await metrics.registry.metrics();
  for (const m of text.matchAll(
    /^wxpay_consumer_lag\{group="([^"]+)",topic="([^"]+)",partition="(\d+)"[^}]*\} (\d+)$/gm,
  )) {
    if (m[1] === group) out[`${m[2]}/${m[3]}`] = Number(m[4]);
  }
  return out;
}

describe('consumer lag poller (real Kafka)', () => {
  let topic: string;
  let admin: KafkaAdmin;
  let poller: ConsumerLagPoller | undefined;
  let consumer: GroupConsumer | undefined;

  beforeAll(async () => {
    topic = await createTestTopic('lag', 2);
    const producer = testKafka().publisher();
    await producer.send([
      ...Array.from({ length: 5 }, (_, i) => ({ topic, key: null, partition: 0, value: `p0-${i}` })),
      ...Array.from({ length: 2 }, (_, i) => ({ topic, key: null, partition: 1, value: `p1-${i}` })),
    ]);
    await producer.close();
    admin = testKafka().admin();
  });

  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    await poller?.stop();
    poller = undefined;
  });
  afterAll(() => admin.close());

  it('reports high-water mark minus committed offset per partition, from the low mark where nothing was committed', async () => {
    const group = uniqueName('lag-explicit');
    await admin.setGroupOffsets(group, topic, [{ partition: 0, offset: 2n }]);
    const metrics = createMetrics({ service: 'lagtest', defaultMetrics: false });
    poller = new ConsumerLagPoller({
      admin: testKafka('lagtest').admin(),
      metrics,
      logger,
      clientId: 'lagtest',
      groups: [group],
    });
    await poller.poll();
    expect(await lagSamples(metrics, group)).toEqual({ [`${topic}/0`]: 3, [`${topic}/1`]: 2 });
  });

  it("finds the service's groups by client id, polls on its interval, keeps a group whose consumer stopped, and stops cleanly", async () => {
    const group = uniqueName('lag-found');
    const clientId = uniqueName('lagsvc');
    let seen = 0;
    consumer = testKafka(clientId).groupConsumer({
      groupId: group,
      topics: [topic],
      handle: async (chunk) => void (seen += chunk.length),
    });
    await consumer.start();
    await eventually(async () => seen === 7, 'all seven messages consumed');

    const metrics = createMetrics({ service: 'lagsvc', defaultMetrics: false });
    poller = new ConsumerLagPoller({
      admin: testKafka(clientId).admin(),
      metrics,
      logger,
      clientId,
      intervalMs: 1000,
    });
    poller.start();
    await eventually(
      async () =>
        JSON.stringify(await lagSamples(metrics, group)) ===
        JSON.stringify({ [`${topic}/0`]: 0, [`${topic}/1`]: 0 }),
      'caught-up group reported with lag 0',
    );

    await consumer.stop();
    consumer = undefined;
    const producer = testKafka().publisher();
    await producer.send([{ topic, key: null, partition: 1, value: 'late' }]);
    await producer.close();
    await eventually(
      async () => (await lagSamples(metrics, group))[`${topic}/1`] === 1,
      'the stopped group keeps being reported, its lag growing',
    );

    await poller.stop();
    poller = undefined;
  });
});
