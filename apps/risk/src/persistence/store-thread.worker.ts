/**
 * The decision store thread (see store-thread.ts): writes decision batches on its own database pool and, when asked,
 * runs the service's outbox relay on its own Kafka client, so that neither their I/O, their CPU nor their garbage
 * lands on the event loop that answers Evaluate.
 */
import { parentPort, workerData } from 'worker_threads';
import { createKafka, eventSignerFromEnv, OutboxRelay, type MessagingMetrics } from '@wxpay/messaging';
import { createLogger, type LogLevel } from '@wxpay/observability';
import { createDataSource, initializeDataSource } from '@wxpay/persistence';
import { DecisionBatchRepository } from './decision-batch.repository';
import { type DecisionRecord } from '../domain/decisions/decision-record';
import { type FromStoreThread, type StoreThreadData, type ToStoreThread } from './store-thread-messages';

const port = parentPort!;
const post = (m: FromStoreThread) => port.postMessage(m);

/** Relay metrics are the main thread's to export: they travel there. */
const forwardedMetrics: MessagingMetrics = {
  published: (topic, count) => post({ type: 'metric', name: 'published', args: [topic, count] }),
  pending: (count) => post({ type: 'metric', name: 'pending', args: [count] }),
  consumed: () => undefined,
  handlerFailed: () => undefined,
};

async function main(data: StoreThreadData): Promise<void> {
  const logger = createLogger({ service: 'risk', level: data.logLevel as LogLevel }).child({
    thread: 'decision-store',
  });
  const dataSource = await initializeDataSource(
    createDataSource({ url: data.databaseUrl, applicationName: 'risk-decision-store', poolSize: 3 }),
  );
  const repository = new DecisionBatchRepository(dataSource, data.decisionsTopic);
  const relay = data.relay
    ? new OutboxRelay({
        dataSource,
        kafka: createKafka({ clientId: 'risk', connection: data.relay.connection, logger }),
        logger,
        metrics: forwardedMetrics,
        // Nobody consumes risk's topics yet, so a key is optional; the thread sees the service's environment.
        signer: eventSignerFromEnv('risk'),
      })
    : undefined;
  await relay?.start();

  port.on('message', (m: ToStoreThread) => {
    if (m.type === 'write') {
      repository.write(m.batch as DecisionRecord[]).then(
        () => post({ type: 'written', id: m.id }),
        (e: unknown) =>
          post({ type: 'written', id: m.id, error: e instanceof Error ? e.message : String(e) }),
      );
    } else if (m.type === 'stop') {
      void (async () => {
        await relay?.stop();
        await dataSource.destroy();
        post({ type: 'stopped' });
        port.close();
      })();
    }
  });
  post({ type: 'ready' });
}

main(workerData as StoreThreadData).catch((e: unknown) => {
  // The main thread rejects the waiting writes and starts a new thread on the next one.
  post({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
  port.close();
});
