import { type UnionPayClient } from '@wxpay/unionpay';
import { ChannelHarness, cny, testPan } from './support/harness';

jest.setTimeout(30_000);

/** With UNIONPAY_SIM_ADMIN_TOKEN (required outside development), every admin route needs the bearer token. */
describe('the simulator admin token', () => {
  const TOKEN = 'unionpay-admin-token-for-tests';
  let h: ChannelHarness;
  let client: UnionPayClient;

  beforeAll(async () => {
    h = await ChannelHarness.start('admin_token', { adminToken: TOKEN });
    client = await h.client();
  });
  afterAll(() => h.stop());

  const call = (method: string, path: string, authorization?: string) =>
    fetch(`${h.sim.httpUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body:
        method === 'POST'
          ? JSON.stringify({ code: '49990001', sm2PublicKeyHex: '02' + '1'.repeat(64) })
          : undefined,
    });

  it.each([
    ['GET', '/admin/keys'],
    ['GET', '/admin/institutions'],
    ['POST', '/admin/institutions'],
    ['POST', '/admin/faults'],
    ['POST', '/admin/accounts'],
    ['POST', '/admin/institutions/49990000/rotate-keys'],
    ['GET', '/admin/journal?rrn=000000000001'],
    ['POST', '/admin/settlement/20261207'],
  ])('refuses %s %s without the token, or with a wrong one', async (method, path) => {
    expect((await call(method, path)).status).toBe(401);
    expect((await call(method, path, `Bearer ${'x'.repeat(TOKEN.length)}`)).status).toBe(401);
    expect((await call(method, path, TOKEN)).status).toBe(401);
  });

  it('answers with the token, keeps health open to probes and the switch to acquirers', async () => {
    expect((await call('GET', '/admin/keys', `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await fetch(`${h.sim.httpUrl}/health/live`)).status).toBe(200);
    const pan = testPan();
    await h.seedAccount(pan); // the harness's admin calls carry the token
    expect((await client.authorize({ pan, amount: cny(100) })).outcome).toBe('approved');
  });
});
