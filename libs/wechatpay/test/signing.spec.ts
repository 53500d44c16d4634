import { verify, X509Certificate } from 'node:crypto';
import Pay from 'wechatpay-node-v3';
import {
  AUTH_SCHEME,
  MerchantSigner,
  createSelfSignedCertificate,
  decryptSensitiveField,
  encryptSensitiveField,
  parseAuthorization,
  requestSignMessage,
  responseSignMessage,
  sensitiveFieldCipher,
  signatureNonce,
} from '../src';
import { MCHID, keyStoreFor, rsaPair, wechatPayKeys } from './fixtures';

const merchant = rsaPair();
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';

describe('string to sign', () => {
  it('is five LF-terminated lines; a GET ends with an empty body line', () => {
    const m = requestSignMessage('get', '/v3/certificates?algorithm_type=RSA', '1554208460', 'NONCE', '');
    expect(m.toString()).toBe('GET\n/v3/certificates?algorithm_type=RSA\n1554208460\nNONCE\n\n');
  });

  it('signs the exact body bytes and appends one more LF even when the body ends with LF', () => {
    const body = Buffer.from('{"a":"中文"}\n');
    const m = requestSignMessage('POST', '/v3/x', '1', 'n', body);
    expect(m.equals(Buffer.concat([Buffer.from('POST\n/v3/x\n1\nn\n'), body, Buffer.from('\n')]))).toBe(true);
  });

  it('response message: three lines, empty body still ends with LF', () => {
    expect(responseSignMessage('1', 'n', '').toString()).toBe('1\nn\n\n');
  });
});

describe('MerchantSigner', () => {
  const signer = new MerchantSigner({
    mchid: MCHID,
    certificateSerial: SERIAL,
    privateKey: merchant.privateKey,
  });

  it('builds an Authorization header whose signature verifies over the five lines', () => {
    const body = Buffer.from('{"mchid":"1900000109"}');
    const s = signer.signRequest('POST', '/v3/pay/transactions/out-trade-no/A1/close', body);
    const parsed = parseAuthorization(s.authorization);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.scheme).toBe(AUTH_SCHEME);
    expect(parsed.params).toMatchObject({
      mchid: MCHID,
      serial_no: SERIAL,
      nonce_str: s.nonce,
      timestamp: s.timestamp,
    });
    expect(s.timestamp).toMatch(/^\d{10}$/);
    expect(s.nonce).toMatch(/^[0-9A-Za-z]{32}$/);
    const message = requestSignMessage(
      'POST',
      '/v3/pay/transactions/out-trade-no/A1/close',
      s.timestamp,
      s.nonce,
      body,
    );
    expect(
      verify('sha256', message, merchant.publicKey, Buffer.from(parsed.params.signature, 'base64')),
    ).toBe(true);
  });

  it('produces the JSAPI invoke signature over appId, timeStamp, nonceStr, package', () => {
    const p = signer.jsapiInvokeParams('wx0000000000000001', 'wx201410272009395522657a690389285100');
    const message = `wx0000000000000001\n${p.timeStamp}\n${p.nonceStr}\nprepay_id=wx201410272009395522657a690389285100\n`;
    expect(p).toMatchObject({ signType: 'RSA', package: 'prepay_id=wx201410272009395522657a690389285100' });
    expect(verify('sha256', Buffer.from(message), merchant.publicKey, Buffer.from(p.paySign, 'base64'))).toBe(
      true,
    );
  });

  it('matches wechatpay-node-v3 for a POST with a body (same bytes, deterministic PKCS#1 v1.5)', () => {
    const pem = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const pay = new Pay({
      appid: 'wx1',
      mchid: MCHID,
      serial_no: SERIAL,
      publicKey: Buffer.from('x'),
      privateKey: Buffer.from(pem),
    });
    const body = { appid: 'wx1', mchid: MCHID, amount: { total: 1 } };
    const theirs = pay.getSignature('POST', 'NONCE', '1700000000', '/v3/pay/transactions/native', body);
    const message = requestSignMessage(
      'POST',
      '/v3/pay/transactions/native',
      '1700000000',
      'NONCE',
      JSON.stringify(body),
    );
    expect(verify('sha256', message, merchant.publicKey, Buffer.from(theirs, 'base64'))).toBe(true);
  });

  it('differs from wechatpay-node-v3 for an empty-body POST, where the package drops the last line', () => {
    const pem = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const pay = new Pay({
      appid: 'wx1',
      mchid: MCHID,
      serial_no: SERIAL,
      publicKey: Buffer.from('x'),
      privateKey: Buffer.from(pem),
    });
    const theirs = pay.getSignature('POST', 'NONCE', '1700000000', '/v3/x', '');
    const ours = requestSignMessage('POST', '/v3/x', '1700000000', 'NONCE', '');
    expect(verify('sha256', ours, merchant.publicKey, Buffer.from(theirs, 'base64'))).toBe(false);
  });
});

describe('parseAuthorization', () => {
  it.each([
    ['', 'missing'],
    ['WECHATPAY2-SHA256-RSA2048', 'no scheme'],
    ['WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s"', 'missing signature'],
    [
      'WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2",nonce_str="n",timestamp="1",serial_no="s",signature="x"',
      'dup',
    ],
    ['WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="n",timestamp="1",serial_no="s",signature="x"', 'unquoted'],
  ])('refuses %j (%s)', (header) => {
    expect(parseAuthorization(header).ok).toBe(false);
  });

  it('accepts the pairs in any order', () => {
    const r = parseAuthorization(
      'WECHATPAY2-SHA256-RSA2048 signature="x",serial_no="s",timestamp="1",nonce_str="n",mchid="1"',
    );
    expect(r).toMatchObject({ ok: true, params: { mchid: '1', signature: 'x' } });
  });
});

describe('nonces', () => {
  it('are 32 characters of [0-9A-Za-z] and do not repeat', () => {
    const seen = new Set(Array.from({ length: 500 }, () => signatureNonce()));
    expect(seen.size).toBe(500);
    for (const n of seen) expect(n).toMatch(/^[0-9A-Za-z]{32}$/);
  });
});

describe('sensitive fields', () => {
  const keys = wechatPayKeys();

  it('encrypts with RSA-OAEP/SHA-1 under the public key and names it in Wechatpay-Serial', () => {
    const cipher = sensitiveFieldCipher(keyStoreFor(keys, 'both'));
    expect(cipher.serial).toBe(keys.pk.id); // the public key wins during a migration
    const ct = cipher.encrypt('张三');
    expect(decryptSensitiveField(ct, keys.pk.privateKey)).toBe('张三');
  });

  it('falls back to the newest valid platform certificate', () => {
    const store = keyStoreFor(keys, 'certificate');
    const newer = rsaPair();
    const cert = createSelfSignedCertificate({
      commonName: 'newer',
      ...newer,
      notBefore: new Date(Date.now() - 1000),
    });
    store.addPlatformCertificate(cert.pem);
    const cipher = sensitiveFieldCipher(store);
    expect(cipher.serial).toBe(new X509Certificate(cert.pem).serialNumber);
    expect(decryptSensitiveField(cipher.encrypt('110101199003077777'), newer.privateKey)).toBe(
      '110101199003077777',
    );
  });

  it('refuses plaintext longer than 214 bytes', () => {
    expect(() => encryptSensitiveField('x'.repeat(215), keys.pk.publicKey)).toThrow(RangeError);
    const ct = encryptSensitiveField('x'.repeat(214), keys.pk.publicKey);
    expect(decryptSensitiveField(ct, keys.pk.privateKey)).toBe('x'.repeat(214));
  });
});
