import {
  TransportFailure,
  VerificationFailure,
  WechatPayApiError,
  WechatPayClient,
  WechatPayTransportError,
  WechatPayVerificationError,
  encryptResource,
  signAsWechatPay,
} from '../src';
import { APPID, MCHID, apiV3Key, keyStoreFor, rsaPair, wechatPayKeys } from './fixtures';

const keys = wechatPayKeys();
const merchant = rsaPair();

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly signed?: boolean;
  readonly hang?: boolean;
  readonly headers?: Record<string, string>;
}

/** A scripted WeChat: answers in order, signs with the public key unless told not to, records requests. */
function fakeWechat(answers: Answer[]) {
  const requests: Array<{ url: string; init: RequestInit }> = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), init: init ?? {} });
    const a = answers[Math.min(requests.length - 1, answers.length - 1)];
    if (a.hang) {
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    }
    const body = a.body === undefined ? '' : JSON.stringify(a.body);
    const headers: Record<string, string> = { 'Request-ID': 'req-1', ...a.headers };
    if (a.signed !== false) {
      Object.assign(
        headers,
        signAsWechatPay(keys.pk.privateKey, keys.pk.id, body, Math.floor(Date.now() / 1000)),
      );
    }
    return new Response(a.status === 204 ? null : body, { status: a.status, headers });
  }) as typeof fetch;
  return { requests, fetchImpl };
}

function client(
  fetchImpl: typeof fetch,
  extra: Partial<ConstructorParameters<typeof WechatPayClient>[0]> = {},
) {
  return new WechatPayClient({
    mchid: MCHID,
    appid: APPID,
    merchantPrivateKey: merchant.privateKey,
    merchantCertificateSerial: 'AB'.repeat(20),
    apiV3Key,
    keyStore: keyStoreFor(keys, 'public-key'),
    baseUrl: 'https://wechat.test',
    fetch: fetchImpl,
    backoffBaseMs: 1,
    ...extra,
  });
}

const transaction = { appid: APPID, mchid: MCHID, out_trade_no: 'A1', trade_state: 'NOTPAY' };

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('WechatPayClient transport rules', () => {
  it('signs the raw path and query, sends Accept, User-Agent and Wechatpay-Serial', async () => {
    const w = fakeWechat([{ status: 200, body: transaction }]);
    await client(w.fetchImpl).payments.queryByOutTradeNo('A 1/x');
    const { url, init } = w.requests[0];
    expect(url).toBe(`https://wechat.test/v3/pay/transactions/out-trade-no/A%201%2Fx?mchid=${MCHID}`);
    const headers = init.headers as Record<string, string>;
    expect(headers.Accept).toBe('application/json');
    expect(headers['User-Agent']).toMatch(/wxpay-gateway/);
    expect(headers['Wechatpay-Serial']).toBe(keys.pk.id);
    expect(headers.Authorization).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="/);
  });

  it('retries a query after 503 and 429, re-signing each attempt', async () => {
    const w = fakeWechat([
      { status: 503, body: { code: 'SYSTEM_ERROR', message: '系统繁忙' }, signed: false },
      { status: 429, body: { code: 'FREQUENCY_LIMITED', message: '频率超限' }, signed: false },
      { status: 200, body: transaction },
    ]);
    await expect(client(w.fetchImpl).payments.queryByOutTradeNo('A1')).resolves.toMatchObject({
      trade_state: 'NOTPAY',
    });
    const auths = w.requests.map((r) => (r.init.headers as Record<string, string>).Authorization);
    expect(new Set(auths).size).toBe(3);
  });

  it('retries a keyed write on 5xx but not on 429, and sends identical body bytes each time', async () => {
    const order = {
      description: 'd',
      out_trade_no: 'A1',
      notify_url: 'https://m.test/n',
      amount: { total: 1 },
    };
    const w = fakeWechat([
      { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统繁忙' } },
      { status: 429, body: { code: 'FREQUENCY_LIMITED', message: '频率超限' } },
    ]);
    const e = await caught(client(w.fetchImpl).payments.createNativeOrder(order));
    expect(e).toBeInstanceOf(WechatPayApiError);
    expect(e).toMatchObject({ httpStatus: 429, code: 'FREQUENCY_LIMITED', requestId: 'req-1', attempts: 2 });
    expect(String(w.requests[0].init.body)).toBe(String(w.requests[1].init.body));
  });

  it('never retries an unkeyed write (pre-deduction notice)', async () => {
    const w = fakeWechat([{ status: 500, body: { code: 'SYSTEM_ERROR', message: '系统繁忙' } }]);
    const e = await caught(
      client(w.fetchImpl).papay.sendPreDeductionNotice('C1', {
        deduct_duration: { count: 1, unit: 'DAY' },
        estimated_amount: { amount: 100 },
      }),
    );
    expect(e).toMatchObject({ httpStatus: 500, code: 'SYSTEM_ERROR', attempts: 1 });
    expect(w.requests).toHaveLength(1);
  });

  it('turns a hung call into a TIMEOUT after the attempt deadline (no retry for unkeyed writes)', async () => {
    const w = fakeWechat([{ status: 200, hang: true }]);
    const e = await caught(
      client(w.fetchImpl, { attemptTimeoutMs: 30 }).papay.terminateContract('P1', 'OC1', 'user asked'),
    );
    expect(e).toBeInstanceOf(WechatPayTransportError);
    expect(e).toMatchObject({ kind: TransportFailure.TIMEOUT, attempts: 1 });
  });

  it('treats a 2xx answer without signature headers as forged, 204 included', async () => {
    const w = fakeWechat([{ status: 204, signed: false }]);
    const e = await caught(client(w.fetchImpl).payments.closeOrder('A1'));
    expect(e).toBeInstanceOf(WechatPayVerificationError);
    expect(e).toMatchObject({ code: VerificationFailure.MISSING_HEADER });
  });

  it('rejects a 2xx answer whose body lacks documented fields', async () => {
    const w = fakeWechat([{ status: 200, body: { something: 'else' } }]);
    const e = await caught(
      client(w.fetchImpl).payments.createNativeOrder({
        description: 'd',
        out_trade_no: 'A1',
        notify_url: 'https://m.test/n',
        amount: { total: 1 },
      }),
    );
    expect(e).toMatchObject({ kind: TransportFailure.BAD_RESPONSE });
  });

  it('refuses amounts that are not integer fen before anything is sent', async () => {
    const w = fakeWechat([{ status: 200, body: { code_url: 'weixin://x' } }]);
    const order = {
      description: 'd',
      out_trade_no: 'A1',
      notify_url: 'https://m.test/n',
      amount: { total: 9.99 },
    };
    await expect(client(w.fetchImpl).payments.createNativeOrder(order)).rejects.toThrow(RangeError);
    expect(w.requests).toHaveLength(0);
  });

  it('downloads certificates: verifies the answer with the certificate it carries', async () => {
    const list = {
      data: [
        {
          serial_no: keys.cert.serial,
          effective_time: '2025-01-01T00:00:00+08:00',
          expire_time: '2030-01-01T00:00:00+08:00',
          encrypt_certificate: encryptResource(keys.cert.pem, apiV3Key, 'certificate'),
        },
      ],
    };
    const body = JSON.stringify(list);
    const signedByCert = (async () =>
      new Response(body, {
        status: 200,
        headers: signAsWechatPay(keys.cert.privateKey, keys.cert.serial, body, Math.floor(Date.now() / 1000)),
      })) as unknown as typeof fetch;
    const c = client(signedByCert);
    const certs = await c.downloadCertificates();
    expect(certs.map((x) => x.serial)).toEqual([keys.cert.serial]);
    expect(c.keyStore.has(keys.cert.serial)).toBe(false); // downloading does not adopt
    await c.enableCertificateRefresh().refreshNow();
    expect(c.keyStore.has(keys.cert.serial)).toBe(true);
  });
});
