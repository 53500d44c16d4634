import {
  VerificationFailure,
  WechatPayVerificationError,
  type WechatPayClient,
  type WechatPayNotificationParser,
} from '@wxpay/wechatpay';
import { RETRY_DELAYS_SECONDS } from '../src/notifications/retry-schedule';
import { type DeliveryLogEntry } from '../src/notifications/notification-dispatcher';
import { type RunningSim } from '../src/sim-app';
import {
  NotifyReceiver,
  eventually,
  merchantClient,
  removeDir,
  simPost,
  startTestSim,
  tempDataDir,
  type Received,
} from './support/sim-harness';

const TIME_SCALE = 0.00002; // the 24 h 4 min schedule in about 1.7 s

let dir: string;
let sim: RunningSim;
let client: WechatPayClient;
let parser: WechatPayNotificationParser;
let base: string;
const receiver = new NotifyReceiver();
/** What our webhook answers: verify + decrypt; 204 on success, 401 on any verification failure. */
const verdicts: string[] = [];
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  dir = await tempDataDir();
  sim = await startTestSim(dir, {
    WECHATPAY_SIM_TIME_SCALE: String(TIME_SCALE),
    WECHATPAY_SIM_KEY_MODE: 'public-key',
  });
  client = merchantClient(sim);
  parser = client.notificationParser();
  base = await receiver.start();
  receiver.respond = async (headers, body) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, 30));
      parser.parseSync(headers, body);
      return 204;
    } catch (e) {
      verdicts.push(e instanceof WechatPayVerificationError ? e.code : 'ERROR');
      return 401;
    } finally {
      inFlight--;
    }
  };
});

afterAll(async () => {
  await sim.close();
  await receiver.stop();
  await removeDir(dir);
});

let seq = 0;
async function paidOrder(path = '/ok'): Promise<string> {
  const no = `ND${Date.now()}${++seq}`;
  await client.payments.createNativeOrder({
    description: 'd',
    out_trade_no: no,
    notify_url: `${base}${path}`,
    amount: { total: 1 },
  });
  await simPost(sim, `/sim/payer/orders/${no}/pay`);
  return no;
}

function outTradeNoOf(r: Received): string | undefined {
  try {
    const n = parser.parseSync(r.headers, r.body);
    return n.kind === 'transaction' ? n.transaction.out_trade_no : undefined;
  } catch {
    return undefined;
  }
}

function envelopeId(r: Received): string {
  return (JSON.parse(r.body.toString()) as { id: string }).id;
}

async function deliveriesOf(no: string, count: number): Promise<Received[]> {
  const id = await eventually(() => receiver.received.find((r) => outTradeNoOf(r) === no));
  const forId = () => receiver.received.filter((r) => envelopeId(r) === envelopeId(id));
  await receiver.waitFor(() => forId().length >= count);
  return forId();
}

async function log(): Promise<DeliveryLogEntry[]> {
  const r = (await (await fetch(`${sim.url}/sim/admin/deliveries`)).json()) as { log: DeliveryLogEntry[] };
  return r.log;
}

describe('retry schedule (time-scaled)', () => {
  it('re-delivers 15 times on the documented schedule, re-signed every time, then gives up', async () => {
    const failing = new NotifyReceiver();
    const url = await failing.start();
    failing.respond = () => 500;
    try {
      const no = `RS${Date.now()}`;
      await client.payments.createNativeOrder({
        description: 'd',
        out_trade_no: no,
        notify_url: `${url}/fail`,
        amount: { total: 1 },
      });
      await simPost(sim, `/sim/payer/orders/${no}/pay`);
      const all = await failing.waitFor((r) => r.length >= 16);
      const entries = await eventually(async () => {
        const l = (await log()).filter((e) => e.notificationId === envelopeId(all[0]));
        return l.some((e) => e.abandoned) ? l : undefined;
      });

      expect(all).toHaveLength(16); // the first delivery and 15 retries, no more
      expect(new Set(all.map(envelopeId)).size).toBe(1);
      expect(new Set(all.map((r) => r.headers['wechatpay-nonce'])).size).toBe(16);
      for (const r of all) expect(parser.parseSync(r.headers, r.body).kind).toBe('transaction'); // each attempt verifies
      expect(entries.map((e) => e.attempt)).toEqual([...Array(16).keys()]);
      expect(entries.slice(0, 15).map((e) => e.nextRetryInMs)).toEqual(
        RETRY_DELAYS_SECONDS.map((s) => Math.round(s * 1000 * TIME_SCALE)),
      );
      expect(entries[15]).toMatchObject({ abandoned: true, outcome: 500 });
    } finally {
      await failing.stop();
    }
  });
});

describe('delivery faults', () => {
  it('a SIGNTEST probe is rejected by our verifier and WeChat re-delivers a verifiable copy', async () => {
    await simPost(sim, '/sim/admin/faults', { notifications: { signtestAttempts: 1 } });
    const before = verdicts.length;
    const no = await paidOrder();
    await eventually(() => receiver.received.find((r) => outTradeNoOf(r) === no));
    expect(verdicts.slice(before)).toEqual([VerificationFailure.SIGNTEST_PROBE]);
    const id = envelopeId(receiver.received.find((r) => outTradeNoOf(r) === no) as Received);
    expect(receiver.received.filter((r) => envelopeId(r) === id).map((r) => r.status)).toEqual([401, 204]);
  });

  it('a wrong signature is rejected (BAD_SIGNATURE) and re-delivered', async () => {
    await simPost(sim, '/sim/admin/faults', { notifications: { badSignatureAttempts: 1 } });
    const before = verdicts.length;
    const no = await paidOrder();
    await eventually(() => receiver.received.find((r) => outTradeNoOf(r) === no));
    expect(verdicts.slice(before)).toEqual([VerificationFailure.BAD_SIGNATURE]);
  });

  it('duplicates: the same notification again after success, freshly signed', async () => {
    await simPost(sim, '/sim/admin/faults', { notifications: { duplicate: 2 } });
    const copies = await deliveriesOf(await paidOrder(), 3);
    expect(copies).toHaveLength(3);
    expect(new Set(copies.map((r) => r.headers['wechatpay-nonce'])).size).toBe(3);
    expect(copies.every((r) => r.status === 204)).toBe(true);
  });

  it('concurrent: several copies at once, as from several WeChat servers', async () => {
    maxInFlight = 0;
    await simPost(sim, '/sim/admin/faults', { notifications: { concurrent: 3 } });
    const copies = await deliveriesOf(await paidOrder(), 4);
    expect(copies).toHaveLength(4);
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it('out of order: held notifications are released newest first', async () => {
    await simPost(sim, '/sim/admin/faults', { notifications: { reverseNext: 2 } });
    const first = await paidOrder();
    const second = await paidOrder();
    await eventually(() => receiver.received.find((r) => outTradeNoOf(r) === first));
    const order = receiver.received.map(outTradeNoOf).filter((n) => n === first || n === second);
    expect(order.slice(0, 2)).toEqual([second, first]);
  });
});
