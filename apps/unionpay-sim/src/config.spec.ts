import { ConfigError } from '@wxpay/runtime';
import { loadSimConfig } from './config';

describe('unionpay-sim configuration', () => {
  it('defaults to the documented ports and dev keys', () => {
    expect(loadSimConfig({})).toMatchObject({
      tlsHost: '127.0.0.1',
      tlsPort: 8583,
      httpPort: 8091,
      devKeys: true,
      switchId: '00010000',
      devAcquirerId: '49990000',
      tlsIdentity: 'unionpay-sim',
    });
  });

  it('names every bad variable at once', () => {
    try {
      loadSimConfig({
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
