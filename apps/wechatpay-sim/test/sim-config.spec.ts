import { ConfigError } from '@wxpay/runtime';
import { loadSimConfig, SimConfigError } from '../src/config/sim-config';

/** The simulator on a developer's machine, where its admin routes may be open. */
const DEV = { GATEWAY_ENV: 'development' };

function problems(env: Record<string, string>): string[] {
  try {
    loadSimConfig({ ...DEV, ...env });
  } catch (e) {
    if (e instanceof SimConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('simulator configuration', () => {
  it('needs an admin token outside development (production by default)', () => {
    expect(() => loadSimConfig({})).toThrow(ConfigError);
    expect(() => loadSimConfig({})).toThrow(/WECHATPAY_SIM_ADMIN_TOKEN: .*\(a development switch\)/);
    expect(loadSimConfig({ WECHATPAY_SIM_ADMIN_TOKEN: 'a-token-of-enough-length' }).adminToken).toBe(
      'a-token-of-enough-length',
    );
  });

  it('has working defaults: 127.0.0.1:8090, .data/wechatpay-sim, public-key mode', () => {
    const c = loadSimConfig(DEV);
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8090, keyMode: 'public-key', timeScale: 1 });
    expect(c.dataDir).toMatch(/\.data\/wechatpay-sim$/);
  });

  it('reports every problem at once, by variable, without echoing the APIv3 key', () => {
    const secret = 'too-short-secret';
    const p = problems({
      WECHATPAY_SIM_PORT: 'http',
      WECHATPAY_SIM_APIV3_KEY: secret,
      WECHATPAY_SIM_KEY_MODE: 'cert',
      WECHATPAY_SIM_TIME_SCALE: '0',
    });
    expect(p.map((x) => x.split(':')[0]).sort()).toEqual([
      'WECHATPAY_SIM_APIV3_KEY',
      'WECHATPAY_SIM_KEY_MODE',
      'WECHATPAY_SIM_PORT',
      'WECHATPAY_SIM_TIME_SCALE',
    ]);
    expect(p.join('\n')).not.toContain(secret);
  });

  it("persists every 500 ms by default; 'off' or 0 keeps state in memory only", () => {
    expect(loadSimConfig(DEV).persistMs).toBe(500);
    expect(loadSimConfig({ ...DEV, WECHATPAY_SIM_PERSIST_MS: '2000' }).persistMs).toBe(2000);
    expect(loadSimConfig({ ...DEV, WECHATPAY_SIM_PERSIST_MS: 'off' }).persistMs).toBe(0);
    expect(loadSimConfig({ ...DEV, WECHATPAY_SIM_PERSIST_MS: '0' }).persistMs).toBe(0);
    expect(problems({ WECHATPAY_SIM_PERSIST_MS: 'sometimes' })[0]).toMatch(/^WECHATPAY_SIM_PERSIST_MS:/);
  });

  it('needs the merchant public key file and serial together', () => {
    expect(problems({ WECHATPAY_SIM_MERCHANT_PUBLIC_KEY_FILE: '/tmp/x.pem' })[0]).toMatch(/go together/);
  });
});
