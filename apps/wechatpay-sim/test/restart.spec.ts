import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SimState } from '../src/store/sim-state';
import {
  NotifyReceiver,
  eventually,
  merchantClient,
  removeDir,
  simPost,
  startTestSim,
  tempDataDir,
} from './support/sim-harness';

describe('restart survival', () => {
  // Two simulator starts and a flush of the coalesced state writes: more than Jest's 5 s on a busy machine.
  it('keeps keys, orders, refunds in progress and pending notification retries across a restart', async () => {
    const dir = await tempDataDir();
    const env = {
      WECHATPAY_SIM_TIME_SCALE: '0.01', // first retries after 150 ms, the rest far later
      WECHATPAY_SIM_REFUND_DELAY_SECONDS: '200', // 2 s after scaling: still PROCESSING at shutdown
    };
    const receiver = new NotifyReceiver();
    const url = await receiver.start();
    receiver.respond = () => 503; // our webhook is down before the restart
    let sim = await startTestSim(dir, env);
    try {
      const client = merchantClient(sim);
      const bundleBefore = sim.keys.merchantBundle();
      const paid = `RST${Date.now()}`;
      await client.payments.createNativeOrder({
        description: 'd',
        out_trade_no: paid,
        notify_url: `${url}/n`,
        amount: { total: 800 },
      });
      await simPost(sim, `/sim/payer/orders/${paid}/pay`);
      const paidBefore = await client.payments.queryByOutTradeNo(paid);
      await receiver.waitFor((r) => r.length >= 1); // first attempt failed: a retry is now pending
      await client.refunds.create({
        out_trade_no: paid,
        out_refund_no: `R${paid}`,
        notify_url: `${url}/r`,
        amount: { refund: 300, total: 800 },
      });

      await sim.close();
      const onDisk = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as SimState;
      expect(onDisk.orders[paid].trade_state).toBe('REFUND');
      expect(onDisk.refunds[`R${paid}`].status).toBe('PROCESSING');
      expect(Object.values(onDisk.deliveries).map((d) => d.event_type)).toEqual(['TRANSACTION.SUCCESS']);

      receiver.respond = () => 204; // webhook back up
      sim = await startTestSim(dir, env);
      const after = merchantClient(sim);
      expect(sim.keys.merchantBundle()).toMatchObject({
        publicKeyId: bundleBefore.publicKeyId,
        activePlatformSerial: bundleBefore.activePlatformSerial,
        merchantSerial: bundleBefore.merchantSerial,
      });
      expect(await after.payments.queryByOutTradeNo(paid)).toMatchObject({
        transaction_id: paidBefore.transaction_id,
        trade_state: 'REFUND',
      });
      // The pending TRANSACTION.SUCCESS retry resumes, and the refund completes with its notification.
      const parser = after.notificationParser();
      await receiver.waitFor((r) => r.some((x) => x.status === 204 && x.path === '/n'));
      await receiver.waitFor((r) => r.some((x) => x.status === 204 && x.path === '/r'));
      const delivered = receiver.received
        .filter((r) => r.status === 204)
        .map((r) => parser.parseSync(r.headers, r.body).eventType);
      expect(delivered.sort()).toEqual(['REFUND.SUCCESS', 'TRANSACTION.SUCCESS']);
      expect(
        await eventually(async () =>
          (await after.refunds.query(`R${paid}`)).status === 'SUCCESS' ? true : undefined,
        ),
      ).toBe(true);
    } finally {
      await sim.close();
      await receiver.stop();
      await removeDir(dir);
    }
  }, 30_000);
});
