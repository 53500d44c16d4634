import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigError } from '@wxpay/runtime';
import { loadConfig, notifyBaseUrl } from '../src/config';

const APIV3 = 'k'.repeat(32);

const complete = {
  WECHATPAY_MCHID: '1900000109',
  WECHATPAY_APPID: 'wx8888888888888888',
  WECHATPAY_APIV3_KEY: APIV3,
  WECHATPAY_MERCHANT_KEY_FILE: '/keys/apiclient_key.pem',
  WECHATPAY_MERCHANT_SERIAL: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
  WECHATPAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_0119000001092025111100000000',
  WECHATPAY_PUBLIC_KEY_FILE: '/keys/pub.pem',
  UNIONPAY_ACQUIRER_BUNDLE: '/keys/acquirer-bundle.json',
  UNIONPAY_SETTLEMENT_URL: 'https://unionpay-files.bank.example',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('payment configuration', () => {
  it('accepts a complete environment and applies the documented defaults', () => {
    const c = loadConfig(complete);
    expect(c.PAYMENT_HTTP_PORT).toBe(8080);
    expect(c.PAYMENT_GRPC_PORT).toBe(50051);
    expect(c.RISK_UNAVAILABLE_POLICY).toBe('fail-closed');
    expect(notifyBaseUrl(c)).toBe('http://127.0.0.1:8080');
  });

  it('names every problem at once, never echoing a secret', () => {
    const problems = problemsOf({
      ...complete,
      WECHATPAY_APIV3_KEY: 'short-secret',
      WECHATPAY_MCHID: 'abc',
      WECHATPAY_PUBLIC_KEY_FILE: '',
      RISK_UNAVAILABLE_POLICY: 'maybe',
    });
    const vars = problems.map((p) => p.split(':')[0]);
    expect(vars).toEqual(
      expect.arrayContaining([
        'WECHATPAY_MCHID',
        'WECHATPAY_APIV3_KEY',
        'RISK_UNAVAILABLE_POLICY',
        'WECHATPAY_PUBLIC_KEY_ID',
      ]),
    );
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('wants a verification key: the public key and/or the platform certificates', () => {
    const { WECHATPAY_PUBLIC_KEY_ID: _id, WECHATPAY_PUBLIC_KEY_FILE: _file, ...noKeys } = complete;
    expect(problemsOf(noKeys).join('\n')).toContain('WECHATPAY_PUBLIC_KEY_FILE');
    expect(problemsOf({ ...noKeys, WECHATPAY_PLATFORM_CERTS_DIR: '/certs' })).toEqual([]);
  });

  it('wants exactly one source of the APIv3 key', () => {
    expect(problemsOf({ ...complete, WECHATPAY_APIV3_KEY_FILE: '/k' }).join()).toContain('exactly one');
  });

  it('fills WeChat Pay settings from the simulator bundle in development', () => {
    const dir = mkdtempSync(join(tmpdir(), 'payment-config-'));
    const bundle = join(dir, 'merchant-bundle.json');
    writeFileSync(
      bundle,
      JSON.stringify({
        mchid: '1900000109',
        appid: 'wx8888888888888888',
        publicKeyId: 'PUB_KEY_ID_0119000001092025111100000000',
        publicKeyFile: '/sim/pub.pem',
        merchantSerial: 'ABCDEF0123456789',
        merchantPrivateKeyFile: '/sim/apiclient_key.pem',
        apiV3KeyFile: '/sim/apiv3.key',
      }),
    );
    const c = loadConfig({
      GATEWAY_ENV: 'development',
      WECHATPAY_DEV_BUNDLE: bundle,
      UNIONPAY_ACQUIRER_BUNDLE: '/b.json',
    });
    expect(c.WECHATPAY_MERCHANT_SERIAL).toBe('ABCDEF0123456789');
    expect(c.WECHATPAY_APIV3_KEY_FILE).toBe('/sim/apiv3.key');
    expect(c.WECHATPAY_APIV3_KEY).toBeUndefined();
  });

  it('refuses the development settings in production (the default), naming each', () => {
    const refused = problemsOf({
      ...complete,
      GRPC_TLS: 'off',
      WECHATPAY_DEV_BUNDLE: '/sim/merchant-bundle.json',
      WECHATPAY_BASE_URL: 'http://127.0.0.1:8090',
      UNIONPAY_SETTLEMENT_URL: 'http://127.0.0.1:8091',
    });
    expect(refused.map((p) => p.split(':')[0])).toEqual([
      'GRPC_TLS',
      'WECHATPAY_DEV_BUNDLE',
      'WECHATPAY_BASE_URL',
      'UNIONPAY_SETTLEMENT_URL',
      'GATEWAY_ENV',
    ]);
    expect(refused.join('\n')).not.toContain('merchant-bundle');
    const { UNIONPAY_SETTLEMENT_URL: _url, ...withoutSettlement } = complete;
    expect(problemsOf(withoutSettlement)[0]).toMatch(/^UNIONPAY_SETTLEMENT_URL: .*simulator/);
  });
});
