import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { type TopicSpec } from '@wxpay/contracts';
import { ensureTopics } from './topics';
import { freePortRun, startLocalKafka, stopLocalKafka, type LocalKafka } from '@wxpay/testing';
import { clientOptions } from './client-options';
import { platformatic } from './platformatic';

const secured = process.env.KAFKA_SECURITY_PROTOCOL !== 'PLAINTEXT';

describe('three local brokers (npm run kafka:start -- --brokers 3)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-3-'));
  let kafka: LocalKafka;

  beforeAll(async () => {
    // Beside the test run's own broker, never on its ports: a quorum of its own in a folder of its own.
    const port = await freePortRun(6, Number(process.env.KAFKA_PORT ?? 9092) + 200);
    kafka = await startLocalKafka({
      port,
      brokerCount: 3,
      dataDir,
      security: secured ? 'SSL' : 'PLAINTEXT',
      pkiDir: secured ? dirname(process.env.KAFKA_TLS_CERT_FILE!) : undefined,
    });
  }, 240_000);

  afterAll(async () => {
    await stopLocalKafka({ dataDir, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('creates topics with 3 copies of which 2 must be in sync, and keeps its own offsets that way', async () => {
    expect(kafka.brokers).toHaveLength(3);
    expect(kafka.pids).toHaveLength(3);
    const topic: TopicSpec = {
      name: 'rf-test.v1',
      partitions: 2,
      retentionMs: 3600_000,
      description: 'replication test',
      producers: [],
      consumers: [],
    };
    await ensureTopics(kafka.connection, [topic], '');
    const admin = new platformatic.Admin(clientOptions(kafka.connection, 'rf-test'));
    try {
      const metadata = await admin.metadata({ topics: [topic.name] });
      expect(metadata.brokers.size).toBe(3);
      const partitions = metadata.topics.get(topic.name)!.partitions;
      expect(partitions.map((p) => p.replicas.length)).toEqual([3, 3]);
      const [topicConfig, brokerConfig] = await admin.describeConfigs({
        resources: [
          {
            resourceType: platformatic.ConfigResourceTypes.TOPIC,
            resourceName: topic.name,
            configurationKeys: ['min.insync.replicas'],
          },
          {
            resourceType: platformatic.ConfigResourceTypes.BROKER,
            resourceName: '1',
            configurationKeys: [
              'default.replication.factor',
              'min.insync.replicas',
              'offsets.topic.replication.factor',
              'transaction.state.log.replication.factor',
              'transaction.state.log.min.isr',
            ],
          },
        ],
      });
      const values = (c: typeof topicConfig) => Object.fromEntries(c!.configs.map((x) => [x.name, x.value]));
      expect(values(topicConfig)).toEqual({ 'min.insync.replicas': '2' });
      expect(values(brokerConfig)).toEqual({
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'offsets.topic.replication.factor': '3',
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
      });
    } finally {
      await admin.close();
    }
  }, 120_000);
});
