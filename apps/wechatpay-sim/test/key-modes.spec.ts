import { X509Certificate } from 'node:crypto';
import { VerificationFailure, WechatPayApiError, type VerifiedNotification } from '@wxpay/wechatpay';
import { type RunningSim } from '../src/sim-app';
import {
  NotifyReceiver,
  merchantClient,
  removeDir,
  simPost,
  startTestSim,
  tempDataDir,
} from './support/sim-harness';

const receiver = new NotifyReceiver();
let notifyUrl: string;
beforeAll(async () => {
  notifyUrl = `${await receiver.start()}/notify`;
});
afterAll(() => receiver.stop());

async function withSim(env: Record<string, string>, run: (sim: RunningSim) => Promise<void>): Promise<void> {
  const dir = await tempDataDir();
  const sim = await startTestSim(dir, env);
  try {
    await run(sim);
  } finally {
    await sim.close();
    await removeDir(dir);
  }
}

async function paidOrders(sim: RunningSim, count: number): Promise<string[]> {
  const client = merchantClient(sim, 'both');
  const nos: string[] = [];
  for (let i = 0; i < count; i++) {
    const no = `KM${Date.now()}${i}`;
    await client.payments.createNativeOrder({
      description: 'd',
      out_trade_no: no,
      notify_url: notifyUrl,
      amount: { total: 1 },
    });
    await simPost(sim, `/sim/payer/orders/${no}/pay`);
    nos.push(no);
  }
  return nos;
}

describe('certificate mode', () => {
  it('bootstraps from /v3/certificates, verifies answers and notifications with the platform certificate', () =>
    withSim({ WECHATPAY_SIM_KEY_MODE: 'certificate' }, async (sim) => {
      const client = merchantClient(sim, 'none');
      const refresher = client.enableCertificateRefresh();
      const { added } = await refresher.refreshNow();
      expect(added).toHaveLength(1);
      const no = `CM${Date.now()}`;
      await client.payments.createNativeOrder({
        description: 'd',
        out_trade_no: no,
        notify_url: notifyUrl,
        amount: { total: 5 },
      });
      await simPost(sim, `/sim/payer/orders/${no}/pay`);
      const parser = client.notificationParser();
      const ours = (): VerifiedNotification[] =>
        receiver.received.flatMap((x) => {
          try {
            return [parser.parseSync(x.headers, x.body)]; // other tests' simulators use other keys
          } catch {
            return [];
          }
        });
      await receiver.waitFor(() =>
        ours().some((n) => n.kind === 'transaction' && n.transaction.out_trade_no === no),
      );
      const n = ours().find((x) => x.kind === 'transaction' && x.transaction.out_trade_no === no);
      expect(n?.meta).toMatchObject({ keyKind: 'platform-certificate', serial: added[0] });
    }));

  it('after a rotation, an answer signed by the new certificate triggers one refresh and then verifies', () =>
    withSim({ WECHATPAY_SIM_KEY_MODE: 'certificate' }, async (sim) => {
      const client = merchantClient(sim, 'certificate');
      client.enableCertificateRefresh({ minOnDemandGapMs: 0 });
      const rotated = (await (
        await simPost(sim, '/sim/admin/certificates/rotate', { activate: true })
      ).json()) as { serial: string };
      expect(client.keyStore.has(rotated.serial)).toBe(false);
      await expect(client.refunds.query('NONE')).rejects.toBeInstanceOf(WechatPayApiError); // errors: unverified
      const no = `RT${Date.now()}`;
      await client.payments.createNativeOrder({
        description: 'd',
        out_trade_no: no,
        notify_url: notifyUrl,
        amount: { total: 5 },
      });
      expect(client.keyStore.has(rotated.serial)).toBe(true);
      const listed = await client.downloadCertificates();
      expect(listed.map((c) => c.serial).sort()).toEqual(
        client.keyStore
          .entries()
          .map((e) => e.serial)
          .sort(),
      );
      expect(listed.every((c) => c.certificate instanceof X509Certificate)).toBe(true);
    }));
});

describe('public-key mode', () => {
  it('answers /v3/certificates with 404 RESOURCE_NOT_EXISTS', () =>
    withSim({ WECHATPAY_SIM_KEY_MODE: 'public-key' }, async (sim) => {
      await expect(merchantClient(sim, 'public-key').downloadCertificates()).rejects.toMatchObject({
        httpStatus: 404,
        code: 'RESOURCE_NOT_EXISTS',
      });
    }));

  it('a merchant holding only certificates cannot verify public-key answers (UNKNOWN_SERIAL)', () =>
    withSim({ WECHATPAY_SIM_KEY_MODE: 'public-key' }, async (sim) => {
      await expect(
        merchantClient(sim, 'certificate').payments.queryByOutTradeNo('NOSUCH0'),
      ).rejects.toMatchObject({
        code: 'ORDER_NOT_EXIST',
      });
      const no = `PK${Date.now()}`;
      await expect(
        merchantClient(sim, 'certificate').payments.createNativeOrder({
          description: 'd',
          out_trade_no: no,
          notify_url: notifyUrl,
          amount: { total: 1 },
        }),
      ).rejects.toMatchObject({ code: VerificationFailure.UNKNOWN_SERIAL });
    }));
});

describe('migration (both at once)', () => {
  it('signs answers with the public key only when the request announces a PUB_KEY_ID_', () =>
    withSim({ WECHATPAY_SIM_KEY_MODE: 'migration' }, async (sim) => {
      const bundle = sim.keys.merchantBundle() as { publicKeyId: string };
      const seen: string[] = [];
      const spy = (async (input: string | URL | Request, init?: RequestInit) => {
        const res = await fetch(input, init);
        seen.push(res.headers.get('wechatpay-serial') ?? '');
        return res;
      }) as typeof fetch;
      await merchantClient(sim, 'both', { fetch: spy })
        .refunds.query('X')
        .catch(() => undefined);
      await merchantClient(sim, 'certificate', { fetch: spy })
        .refunds.query('X')
        .catch(() => undefined);
      expect(seen[0]).toBe(bundle.publicKeyId);
      expect(seen[1]).not.toMatch(/^PUB_KEY_ID_/);
    }));

  it('notifications arrive signed by either key and all verify with the combined key store', () =>
    withSim({ WECHATPAY_SIM_KEY_MODE: 'migration', WECHATPAY_SIM_MIGRATION_PK_SHARE: '0.5' }, async (sim) => {
      const before = receiver.received.length;
      const nos = await paidOrders(sim, 24);
      const parser = merchantClient(sim, 'both').notificationParser();
      const all = await receiver.waitFor((r) => r.length >= before + nos.length);
      const kinds = new Set(
        all
          .slice(before)
          .map((r) => (parser.parseSync(r.headers, r.body) as VerifiedNotification).meta.keyKind),
      );
      // 24 independent draws at 50 %: both kinds appear except with probability 2^-23.
      expect([...kinds].sort()).toEqual(['platform-certificate', 'public-key']);
    }));
});
