/**
 * A relay process that SIGKILLs itself after Kafka acknowledged a batch and before its rows' deletion commits: the
 * worst moment for an outbox relay to die. Run by outbox-exactly-once.int-spec.ts as a child process.
 */
import { createDataSource, initializeDataSource } from '@wxpay/persistence';
import pino from 'pino';
import { createKafka } from '../client/kafka-client';
import { kafkaConnectionFromEnv } from '../kafka-connection';
import { OutboxRelay } from '../outbox-relay';

async function main(): Promise<void> {
  const logger = pino({ level: 'warn' });
  const dataSource = await initializeDataSource(
    createDataSource({ url: process.env.RELAY_DATABASE_URL!, applicationName: 'relay-that-dies' }),
  );
  const kafka = createKafka({
    clientId: 'relay-that-dies',
    connection: kafkaConnectionFromEnv(),
    logger,
  });
  const relay = new OutboxRelay({
    dataSource,
    kafka,
    logger,
    afterPublish: async (seqs) => {
      process.stdout.write(`published ${seqs.length}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  });
  await relay.start();
}

void main();
