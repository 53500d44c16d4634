import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import { type AddressInfo } from 'net';
import { type WebhookEndpoint } from '../src/domain/notification-facts';
import { serveWebhooksFirst } from '../src/webhooks/webhook-fast-path';
import { type WebhookAnswer, type WebhookIntake } from '../src/use-cases/webhooks/webhook-intake.service';

/** What reached the intake directly, and what went on to the framework's listener. */
interface Seen {
  intake: { endpoint: WebhookEndpoint; body: string; nonce: string | undefined }[];
  framework: string[];
  unread: { endpoint: WebhookEndpoint; status: number }[];
}

describe('webhooks served ahead of the framework', () => {
  let server: Server;
  let base: string;
  const seen: Seen = { intake: [], framework: [], unread: [] };
  let answer: WebhookAnswer | Error = { status: 204 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.framework.push(`${req.method} ${req.url}`);
      res.statusCode = 299;
      res.end('framework');
    });
    const intake = {
      handle: async (endpoint: WebhookEndpoint, headers: IncomingHttpHeaders, raw: Buffer | undefined) => {
        seen.intake.push({
          endpoint,
          body: raw?.toString('utf8') ?? '',
          nonce: headers['wechatpay-nonce'] as string | undefined,
        });
        if (answer instanceof Error) throw answer;
        return answer;
      },
    } as unknown as WebhookIntake;
    serveWebhooksFirst(server, intake, (res, endpoint, status) => {
      seen.unread.push({ endpoint, status });
      res.statusCode = status;
      res.end('unread');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    seen.intake.length = 0;
    seen.framework.length = 0;
    seen.unread.length = 0;
    answer = { status: 204 };
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });

  it('hands a JSON notification to the intake with its exact bytes and headers, and writes its answer', async () => {
    const body = '{"id":"n-1","resource":{"ciphertext":"…"}}';
    const res = await post('/notify/wechatpay/transactions?x=1', body, { 'Wechatpay-Nonce': 'abc' });
    expect(res.status).toBe(204);
    expect(seen.intake).toEqual([{ endpoint: 'transactions', body, nonce: 'abc' }]);
    expect(seen.framework).toEqual([]);

    answer = { status: 401, body: { code: 'FAIL', message: 'verification failed' } };
    const refused = await post('/notify/wechatpay/refunds', '{}', {
      'Content-Type': 'application/json; charset=UTF-8',
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ code: 'FAIL', message: 'verification failed' });
    expect(seen.intake.map((i) => i.endpoint)).toEqual(['transactions', 'refunds']);
  });

  it('answers as the framework would before the handler: not JSON 400, too large 413, a failed intake 500', async () => {
    expect((await post('/notify/wechatpay/papay', '{"id": "broken')).status).toBe(400);
    expect((await post('/notify/wechatpay/papay', '"a string"')).status).toBe(400);
    expect((await post('/notify/wechatpay/papay', `{"pad":"${'x'.repeat(101 * 1024)}"}`)).status).toBe(413);
    answer = new Error('database gone');
    expect((await post('/notify/wechatpay/papay', '{}')).status).toBe(500);
    expect(seen.unread).toEqual([
      { endpoint: 'papay', status: 400 },
      { endpoint: 'papay', status: 400 },
      { endpoint: 'papay', status: 413 },
      { endpoint: 'papay', status: 500 },
    ]);
  });

  it('passes an empty body and a byte-order mark on to the intake, as the framework does', async () => {
    await post('/notify/wechatpay/transactions', '');
    await post('/notify/wechatpay/transactions', '\ufeff{"id":"n-2"}');
    expect(seen.intake.map((i) => i.body)).toEqual(['', '\ufeff{"id":"n-2"}']);
  });

  it('leaves everything else to the framework: other routes, methods, paths, types and encodings', async () => {
    await fetch(`${base}/health/ready`);
    await fetch(`${base}/notify/wechatpay/transactions`);
    await post('/notify/wechatpay/other', '{}');
    await post('/Notify/WechatPay/Transactions', '{}');
    await post('/notify/wechatpay/transactions', 'a=1', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    await post('/notify/wechatpay/transactions', '{}', {
      'Content-Type': 'application/json; charset=utf-16',
    });
    await post('/notify/wechatpay/transactions', '{}', { 'Content-Encoding': 'gzip' });
    expect(seen.intake).toEqual([]);
    expect(seen.framework).toEqual([
      'GET /health/ready',
      'GET /notify/wechatpay/transactions',
      'POST /notify/wechatpay/other',
      'POST /Notify/WechatPay/Transactions',
      'POST /notify/wechatpay/transactions',
      'POST /notify/wechatpay/transactions',
      'POST /notify/wechatpay/transactions',
    ]);
  });
});
