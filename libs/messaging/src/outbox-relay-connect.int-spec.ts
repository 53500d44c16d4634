import { createServer, type Socket } from 'net';
import pino from 'pino';
import { type DataSource } from 'typeorm';
import { createKafka } from './client/kafka-client';
import { OutboxRelay } from './outbox-relay';
import { testKafkaConnection } from '@wxpay/testing';

/**
 * The relay's own connections (its leader session and its pool) keep the service's connect bound: a database
 * that accepts the connection and never answers (a half-dead primary, a proxy with nothing behind it) must not
 * hold the relay's loop, and so the service's shutdown, forever.
 */
describe('outbox relay against a database that never answers', () => {
  it('stops: its connection attempt gives up at the service connect bound', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const dataSource = {
      options: {
        url: `postgres://postgres@127.0.0.1:${port}/none`,
        extra: { connectionTimeoutMillis: 200 },
      },
    } as unknown as DataSource;
    const relay = new OutboxRelay({
      dataSource,
      kafka: createKafka({ clientId: 'relay-connect-test', connection: testKafkaConnection() }),
      logger: pino({ level: 'silent' }),
      pollIntervalMs: 50,
    });
    try {
      await relay.start();
      // Until the attempt is under way: the relay is then waiting on a database that will never answer.
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Without the bound, stop() would wait for that connection for as long as the database keeps it open.
      const stopped = relay.stop().then(() => 'stopped');
      const stuck = new Promise((resolve) => setTimeout(resolve, 8_000, 'still waiting for the database'));
      expect(await Promise.race([stopped, stuck])).toBe('stopped');
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  }, 15_000);
});
