import { ResponseCode } from '@wxpay/unionpay';
import { ChannelHarness } from './support/harness';
import { RawAcquirer } from './support/raw-acquirer';

jest.setTimeout(30_000);

/**
 * A recorded sign-on verifies again (its SM2 signature covers nothing the switch chose), so the switch admits each
 * one once, within 5 minutes of its clock (profile §8.1): a replayed or stale 0820 is refused A7.
 */
describe('sign-on replay', () => {
  let h: ChannelHarness;
  const raws: RawAcquirer[] = [];
  beforeAll(async () => {
    h = await ChannelHarness.start('signon_replay');
  });
  afterAll(async () => {
    raws.forEach((r) => r.close());
    await h.stop();
  });

  const connect = async () => {
    const raw = await RawAcquirer.connect({
      port: h.sim.tlsPort,
      tls: h.clientTls,
      switchId: h.bundle.switchId,
      acquirerId: h.bundle.acquirerId,
    });
    raws.push(raw);
    return raw;
  };

  it('refuses a sign-on replayed on another connection, and one sent too late', async () => {
    const [first, second] = [await connect(), await connect()];
    const recorded = first.signOnRequest(h.bundle.keys.acquirerPrivateKey);
    expect((await first.exchange(recorded.message)).message.text(39)).toBe(ResponseCode.APPROVED);
    // The attacker's copy, on a connection of its own (it holds a client certificate of the cluster).
    expect((await second.exchange(recorded.message)).message.text(39)).toBe(ResponseCode.SECURITY_FAILURE);
    expect((await first.exchange(recorded.message)).message.text(39)).toBe(ResponseCode.SECURITY_FAILURE);

    const stale = second.signOnRequest(h.bundle.keys.acquirerPrivateKey, new Date(Date.now() - 6 * 60_000));
    expect((await second.exchange(stale.message)).message.text(39)).toBe(ResponseCode.SECURITY_FAILURE);
    // A fresh sign-on of the same institution is admitted.
    const fresh = second.signOnRequest(h.bundle.keys.acquirerPrivateKey);
    expect((await second.exchange(fresh.message)).message.text(39)).toBe(ResponseCode.APPROVED);
    expect(h.simLog.lines.filter((l) => l.includes('sign-on refused'))).toHaveLength(3);
  });
});
