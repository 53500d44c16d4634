import { connect } from 'net';
import { type AddressInfo } from 'net';
import { type Server } from 'http';
import { gzipSync } from 'zlib';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { createMetrics, HealthRegistry } from '@wxpay/observability';
import { bootstrapService, RuntimeModule, type RuntimeParts } from '@wxpay/runtime';
import { captureLogger } from '@wxpay/testing';
import { paymentHttpAdapter } from '../src/api/http-adapter';
import { HttpRequestLimits } from '../src/api/http-request-limits';
import { WebhookErrorFilter } from '../src/api/webhook-error.filter';
import { WechatPayWebhookController } from '../src/api/wechatpay-webhook.controller';
import { type WebhookEndpoint } from '../src/domain/notification-facts';
import { PAYMENT_OPTIONS } from '../src/payment-options';
import { PaymentMetrics } from '../src/payment-metrics';
import { type WebhookAnswer, WebhookIntake } from '../src/use-cases/webhooks/webhook-intake.service';
import { testConfig } from './support/core-harness';

jest.setTimeout(30_000);

/** What reached the intake (the notification handler behind the route). */
const seen: { endpoint: WebhookEndpoint; body: string; nonce: string | undefined }[] = [];
/** The JSON the framework parsed from each body, handed on so the intake does not parse it again. */
const parsedBodies: unknown[] = [];
let answer: WebhookAnswer | Error = { status: 204 };

/** The intake as the route sees it: records what it is handed and answers what the test says. */
class RecordingIntake {
  async handle(
    endpoint: WebhookEndpoint,
    headers: Record<string, unknown>,
    raw: Buffer | undefined,
    parsed?: unknown,
  ) {
    parsedBodies.push(parsed);
    seen.push({ endpoint, body: raw?.toString('utf8') ?? '', nonce: headers['wechatpay-nonce'] as string });
    if (answer instanceof Error) throw answer;
    return answer;
  }

  refuseUnread(_endpoint: WebhookEndpoint, status: number): WebhookAnswer {
    return { status, body: { code: 'FAIL', message: 'verification failed' } };
  }
}

/**
 * The webhook routes on the service's one HTTP stack, started as the service starts (bootstrapService, raw
 * bodies, the webhook error filter, the request time bound), with the intake replaced: what reaches it, and how
 * every malformed request is answered (4xx with WeChat Pay's {"code","message"} body, never a 500).
 */
describe('WeChat Pay webhook routes (HTTP)', () => {
  let app: INestApplication;
  let base: string;
  let port: number;
  const log = captureLogger('warn');

  beforeAll(async () => {
    const parts: RuntimeParts = {
      logger: log.logger,
      metrics: createMetrics({ service: 'payment-webhook-test', defaultMetrics: false }),
      health: new HealthRegistry(),
    };
    const config = testConfig({ PAYMENT_HTTP_REQUEST_TIMEOUT_MS: '1000' });
    @Module({
      imports: [RuntimeModule.forRoot(parts)],
      controllers: [WechatPayWebhookController],
      providers: [
        { provide: WebhookIntake, useClass: RecordingIntake },
        { provide: PaymentMetrics, useValue: new PaymentMetrics(parts.metrics) },
        { provide: PAYMENT_OPTIONS, useValue: { config, tls: { enabled: false } } },
        { provide: APP_FILTER, useClass: WebhookErrorFilter },
        HttpRequestLimits,
      ],
    })
    class WebhookTestModule {}
    app = await bootstrapService({
      parts,
      module: WebhookTestModule,
      httpPort: 0,
      httpHost: '127.0.0.1',
      rawBody: true,
      httpAdapter: paymentHttpAdapter(),
    });
    port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(() => app.close());

  beforeEach(() => {
    seen.length = 0;
    parsedBodies.length = 0;
    answer = { status: 204 };
  });

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });

  /** A body sent in chunks without a declared length (Transfer-Encoding: chunked). */
  const chunked = (
    path: string,
    chunks: () => AsyncGenerator<Buffer>,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit);

  async function expectRefused(res: Response, status: number): Promise<void> {
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
  }

  it('hands a JSON notification to the intake with its exact bytes and headers, and writes its answer', async () => {
    const body = '{"id":"n-1","resource":{"ciphertext":"…"}}';
    const res = await post('/notify/wechatpay/transactions?x=1', body, { 'Wechatpay-Nonce': 'abc' });
    expect(res.status).toBe(204);
    expect(seen).toEqual([{ endpoint: 'transactions', body, nonce: 'abc' }]);
    expect(parsedBodies).toEqual([JSON.parse(body)]);

    answer = { status: 401, body: { code: 'FAIL', message: 'verification failed' } };
    const refused = await post('/notify/wechatpay/refunds', '{}', {
      'Content-Type': 'application/json; charset=UTF-8',
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
    expect(seen.map((i) => i.endpoint)).toEqual(['transactions', 'refunds']);
  });

  it('answers before the handler: not JSON 400, too large 413, and a failed intake 500, each with the FAIL body', async () => {
    await expectRefused(await post('/notify/wechatpay/papay', '{"id": "broken'), 400);
    await expectRefused(await post('/notify/wechatpay/papay', '"a string"'), 400);
    await expectRefused(await post('/notify/wechatpay/papay', `{"pad":"${'x'.repeat(101 * 1024)}"}`), 413);
    answer = new Error('database gone');
    const failed = await post('/notify/wechatpay/papay', '{}');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ code: 'FAIL', message: 'internal error' });
    expect(seen).toHaveLength(1);
  });

  it('refuses an empty body before the intake and passes a byte-order mark on to it, as the framework reads them', async () => {
    // Fastify refuses an empty JSON body itself (400, the FAIL body); the fast path handed it to the intake, which
    // answered the same 400.
    await expectRefused(await post('/notify/wechatpay/transactions', ''), 400);
    await post('/notify/wechatpay/transactions', '\ufeff{"id":"n-2"}');
    expect(seen.map((i) => i.body)).toEqual(['\ufeff{"id":"n-2"}']);
  });

  it('refuses every malformed request with a 4xx and the FAIL body, never reaching the intake', async () => {
    // A chunked 10 MiB body.
    const mib = Buffer.alloc(1024 * 1024, 0x20);
    await expectRefused(
      await chunked('/notify/wechatpay/transactions', async function* () {
        yield Buffer.from('{"pad":"');
        for (let i = 0; i < 10; i++) yield mib;
        yield Buffer.from('"}');
      }),
      413,
    );
    // A chunked 100k-deep JSON.
    await expectRefused(
      await chunked('/notify/wechatpay/transactions', async function* () {
        yield Buffer.from('['.repeat(100_000));
        yield Buffer.from(']'.repeat(100_000));
      }),
      413,
    );
    // A charset other than UTF-8, a compressed body that does not inflate, and bodies that are not JSON.
    const iso = await post('/notify/wechatpay/transactions', '{}', {
      'Content-Type': 'application/json; charset=iso-8859-1',
    });
    expect(iso.status).toBeGreaterThanOrEqual(400);
    expect(iso.status).toBeLessThan(500);
    expect(await iso.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
    const gzipGarbage = await post('/notify/wechatpay/transactions', Buffer.from('not gzip at all'), {
      'Content-Encoding': 'gzip',
    });
    expect(gzipGarbage.status).toBeGreaterThanOrEqual(400);
    expect(gzipGarbage.status).toBeLessThan(500);
    expect(await gzipGarbage.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
    await expectRefused(
      await post('/notify/wechatpay/transactions', 'a=1', {
        'Content-Type': 'application/x-www-form-urlencoded',
      }),
      415,
    );
    const gzipText = await post('/notify/wechatpay/transactions', gzipSync('{}'), {
      'Content-Encoding': 'gzip',
      'Content-Type': 'text/plain',
    });
    expect(gzipText.status).toBeGreaterThanOrEqual(400);
    expect(gzipText.status).toBeLessThan(500);
    expect(await gzipText.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
    expect(seen).toEqual([]);
  });

  it('cuts a request whose body does not arrive within the bound', async () => {
    const socket = connect(port, '127.0.0.1');
    const reply = await new Promise<string>((resolve, reject) => {
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      socket.write(
        'POST /notify/wechatpay/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"id":',
      );
    });
    // Cut at the bound (1 s here, plus Node's checking interval): within the test's timeout, where Node's own
    // default would have waited 300 s.
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(seen).toEqual([]);
  });

  it('keeps the framework’s own answers on other routes', async () => {
    const other = await fetch(`${base}/no-such-route`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ statusCode: 404 });
  });
});
