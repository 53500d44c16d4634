import { createServer, connect, type Server, type Socket } from 'net';
import { type AddressInfo } from 'net';
import { status, type ServiceError } from '@grpc/grpc-js';
import { errorDetailOf, reasonOf } from '@wxpay/grpc';
import { eventually } from '@wxpay/testing';
import { E2eCluster, type TestCard } from './support/e2e-cluster';

jest.setTimeout(180_000);

/**
 * A TCP proxy in front of the test's PostgreSQL: the service reaches its database only through it, and the test
 * cuts it (every connection reset, new ones refused) as an outage would, then restores it on the same port.
 */
class CuttableProxy {
  port = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens (again, on the same port once it has one); a no-op while open. */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

describe('a database outage during CreatePayment', () => {
  const c = new E2eCluster();
  let proxy: CuttableProxy;
  let card: TestCard;

  beforeAll(async () => {
    await c.start('pay_outage');
    const url = new URL(c.db.url);
    proxy = new CuttableProxy(url.hostname, Number(url.port || 5432));
    await proxy.open();
    url.host = `127.0.0.1:${proxy.port}`;
    await c.startPayment(url.toString());
    card = await c.seedCard();
  });
  afterAll(async () => {
    await proxy?.open().catch(() => undefined);
    await c.stop();
    await proxy?.cut();
  });

  it('answers UNAVAILABLE (retryable, blamed on no counterparty), and the same call succeeds once it is back', async () => {
    const request = c.createRequest(card, 1500);
    await proxy.cut();
    let err: ServiceError;
    try {
      await c.call('CreatePayment', request);
      throw new Error('CreatePayment succeeded without a database');
    } catch (e) {
      err = e as ServiceError;
    }
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(reasonOf(err)).toBe('UNAVAILABLE');
    expect(errorDetailOf(err)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(err.details).not.toMatch(/counterparty/i);
    expect(c.log.lines.join('\n')).not.toContain('unexpected error in gRPC handler');

    await proxy.open();
    // Retried as a client retries UNAVAILABLE (the pool may still hand out a connection the outage broke).
    const { payment } = await eventually(
      () =>
        c.call<{ payment: { status: string } }>('CreatePayment', request).catch((e: ServiceError) => {
          if (e.code !== status.UNAVAILABLE) throw e;
          return false as const;
        }),
      'CreatePayment answered once the database is back',
    );
    expect(payment.status).toBe('AWAITING_PAYER');
  });
});
