import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MerchantSigner, requestSignMessage } from '@wxpay/wechatpay';
import { sign } from 'node:crypto';
import { type RunningSim } from '../src/sim-app';
import { removeDir, startTestSim, tempDataDir } from './support/sim-harness';

let dir: string;
let sim: RunningSim;
let signer: MerchantSigner;
let mchid: string;
let serial: string;
let keyPem: Buffer;

beforeAll(async () => {
  dir = await tempDataDir();
  sim = await startTestSim(dir);
  const b = sim.keys.merchantBundle() as {
    mchid: string;
    merchantSerial: string;
    merchantPrivateKeyFile: string;
  };
  mchid = b.mchid;
  serial = b.merchantSerial;
  keyPem = readFileSync(b.merchantPrivateKeyFile);
  signer = new MerchantSigner({ mchid, certificateSerial: serial, privateKey: keyPem });
});

afterAll(async () => {
  await sim.close();
  await removeDir(dir);
});

const PATH = `/v3/pay/transactions/out-trade-no/NOSUCH01?mchid=`;

async function call(
  init: {
    path?: string;
    body?: string;
    headers?: Record<string, string>;
    auth?: string;
    method?: string;
  } = {},
): Promise<{
  status: number;
  body: { code: string; message: string; detail?: Record<string, unknown> };
  headers: Headers;
}> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const path = init.path ?? `${PATH}${mchid}`;
  const auth = init.auth ?? signer.signRequest(method, path, init.body ?? '').authorization;
  const res = await fetch(`${sim.url}${path}`, {
    method,
    body: init.body,
    headers: {
      Accept: 'application/json',
      'User-Agent': 'test',
      'Content-Type': 'application/json',
      Authorization: auth,
      ...init.headers,
    },
  });
  return { status: res.status, body: (await res.json()) as never, headers: res.headers };
}

function authWith(overrides: {
  timestamp?: number;
  serial?: string;
  mchid?: string;
  body?: string;
  path?: string;
}): string {
  const ts = String(overrides.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = 'N'.repeat(32);
  const msg = requestSignMessage('GET', overrides.path ?? `${PATH}${mchid}`, ts, nonce, overrides.body ?? '');
  const sig = sign('sha256', msg, createPrivateKey(keyPem)).toString('base64');
  return `WECHATPAY2-SHA256-RSA2048 mchid="${overrides.mchid ?? mchid}",nonce_str="${nonce}",timestamp="${ts}",serial_no="${overrides.serial ?? serial}",signature="${sig}"`;
}

describe('the simulator checks our Authorization exactly as WeChat Pay does', () => {
  it('a correctly signed call reaches the API (404 ORDER_NOT_EXIST), signed and with a Request-ID', async () => {
    const r = await call();
    expect(r).toMatchObject({ status: 404, body: { code: 'ORDER_NOT_EXIST' } });
    expect(r.headers.get('wechatpay-signature')).toBeTruthy();
    expect(r.headers.get('request-id')).toMatch(/^[0-9A-F]+-\d+$/);
  });

  it('400 INVALID_REQUEST without Accept or User-Agent', async () => {
    expect((await call({ headers: { Accept: '' } })).body.code).toBe('INVALID_REQUEST');
    expect((await call({ headers: { 'User-Agent': '' } })).status).toBe(400);
  });

  it.each<[string, () => string, string]>([
    ['a malformed header', () => 'WECHATPAY2-SHA256-RSA2048 garbage', 'SIGN_ERROR'],
    [
      'another scheme',
      () => authWith({}).replace('WECHATPAY2-SHA256-RSA2048', 'WECHATPAY2-SM2-WITH-SM3'),
      'SIGN_ERROR',
    ],
    ['a stale timestamp', () => authWith({ timestamp: Math.floor(Date.now() / 1000) - 301 }), 'SIGN_ERROR'],
    ['a millisecond timestamp', () => authWith({ timestamp: Date.now() }), 'SIGN_ERROR'],
    [
      'another certificate serial',
      () => authWith({ serial: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }),
      'SIGN_ERROR',
    ],
    [
      'a signature over another URL',
      () => authWith({ path: `/v3/pay/transactions/out-trade-no/NOSUCH02?mchid=${mchid}` }),
      'SIGN_ERROR',
    ],
  ])('401 for %s', async (_label, auth, code) => {
    const r = await call({ auth: auth() });
    expect(r).toMatchObject({ status: 401, body: { code } });
  });

  it('an unknown mchid → 400 MCH_NOT_EXISTS', async () => {
    expect((await call({ auth: authWith({ mchid: '1234567890' }) })).body.code).toBe('MCH_NOT_EXISTS');
  });

  it('a signature by another key → 401 with sign_information, as WeChat answers', async () => {
    const other = new MerchantSigner({
      mchid,
      certificateSerial: serial,
      privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    });
    const path = `${PATH}${mchid}`;
    const r = await call({ auth: other.signRequest('GET', path, '').authorization });
    expect(r).toMatchObject({
      status: 401,
      body: { code: 'SIGN_ERROR', detail: { sign_information: { method: 'GET', url: path } } },
    });
  });

  it('a body changed after signing → 401', async () => {
    const path = '/v3/pay/transactions/out-trade-no/NOSUCH01/close';
    const auth = signer.signRequest('POST', path, `{"mchid":"${mchid}"}`).authorization;
    expect((await call({ path, body: `{"mchid":"${mchid}" }`, auth })).status).toBe(401);
  });

  it.each([
    ['null values', '{"mchid":null}'],
    ['4-byte UTF-8 characters', '{"mchid":"😀"}'],
    ['invalid JSON', '{"mchid":'],
    ['a missing required field', '{}'],
  ])('400 PARAM_ERROR for %s', async (_label, body) => {
    const path = '/v3/pay/transactions/out-trade-no/NOSUCH01/close';
    expect(await call({ path, body })).toMatchObject({ status: 400, body: { code: 'PARAM_ERROR' } });
  });

  it('unknown /v3 paths answer 404 in WeChat shape', async () => {
    const path = '/v3/no/such/api';
    expect(await call({ path })).toMatchObject({ status: 404, body: { code: 'RESOURCE_NOT_EXISTS' } });
  });
});
