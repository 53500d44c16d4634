import { execFile } from 'child_process';
import { randomUUID } from 'crypto';
import { join } from 'path';
import { createTestTopic, ensureKafkaJars, testKafka } from '@wxpay/testing';
import { readTopic } from './topic-reader';

jest.setTimeout(120_000);

/** The partitions the Java producer chooses for `keys` out of `partitions` (its own partitioner, run by `java`). */
async function javaPartitions(keys: string[], partitions: number): Promise<number[]> {
  const libs = await ensureKafkaJars();
  const source = join(__dirname, '../__fixtures__/JavaPartitions.java');
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      'java',
      ['-cp', `${libs}/*`, source, String(partitions)],
      { maxBuffer: 1024 * 1024 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
    child.stdin!.end(keys.join('\n') + '\n');
  });
  return stdout.trim().split('\n').map(Number);
}

describe('partitioning (real Kafka, the Java client alongside)', () => {
  it('puts every key on the partition the Java producer (and kafkajs before it) puts it on', async () => {
    const partitions = 6;
    const topic = await createTestTopic('partitioner', partitions);
    // Aggregate ids as the services key them: UUIDs, statement ids, card tokens.
    const keys = [
      ...Array.from({ length: 150 }, () => randomUUID()),
      ...Array.from({ length: 25 }, (_, i) => `stmt-2026-11-${i}`),
      ...Array.from({ length: 25 }, (_, i) => `tok_${i.toString(36).padStart(6, 'x')}`),
    ];
    const kafka = testKafka('partitioner-test');
    const publisher = kafka.publisher();
    try {
      await publisher.send(keys.map((key) => ({ topic, key, value: key })));
    } finally {
      await publisher.close();
    }
    const read = await readTopic(kafka, topic, { timeoutMs: 30_000, until: (m) => m.length >= keys.length });
    const landed = new Map(read.map((m) => [m.key!, m.partition]));

    const expected = await javaPartitions(keys, partitions);
    expect(keys.map((k) => landed.get(k))).toEqual(expected);
    // Not trivially true: the keys spread over every partition.
    expect(new Set(expected).size).toBe(partitions);
  });
});
