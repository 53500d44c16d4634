import { ConfigError } from '@wxpay/runtime';
import { loadSimConfig } from './config';

describe('unionpay-sim configuration', () => {
  it('defaults to the documented ports, and to dev keys and an open admin in development', () => {
    expect(loadSimConfig({ GATEWAY_ENV: 'development' })).toMatchObject({
      tlsHost: '127.0.0.1',
      tlsPort: 8583,
      httpPort: 8091,
      devKeys: true,
      switchId: '00010000',
      devAcquirerId: '49990000',
      tlsIdentity: 'unionpay-sim',
      adminToken: '',
    });
  });

  it('outside development makes no keys and needs an admin token', () => {
    const token = 'a-token-of-enough-length';
    expect(loadSimConfig({ UNIONPAY_SIM_ADMIN_TOKEN: token })).toMatchObject({
      devKeys: false,
      adminToken: token,
    });
    expect(() => loadSimConfig({})).toThrow(/UNIONPAY_SIM_ADMIN_TOKEN: .*\(a development switch\)/);
    expect(() => loadSimConfig({ UNIONPAY_SIM_ADMIN_TOKEN: token, UNIONPAY_SIM_DEV_KEYS: 'on' })).toThrow(
      /UNIONPAY_SIM_DEV_KEYS: .*\(a development switch\)/,
    );
  });

  it('names every bad variable at once', () => {
    try {
      loadSimConfig({
        GATEWAY_ENV: 'development',
        UNIONPAY_SIM_TLS_PORT: 'x',
        UNIONPAY_SIM_SWITCH_ID: 'abc',
        UNIONPAY_SIM_DEV_KEYS: 'maybe',
      });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'UNIONPAY_SIM_DEV_KEYS',
        'UNIONPAY_SIM_SWITCH_ID',
        'UNIONPAY_SIM_TLS_PORT',
      ]);
    }
  });
});
