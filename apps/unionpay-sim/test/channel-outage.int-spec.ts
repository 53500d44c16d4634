import { eventually } from '@wxpay/testing';
import { ChannelUnavailableError, type UnionPayClient } from '@wxpay/unionpay';
import { ChannelHarness, cny, testPan } from './support/harness';

jest.setTimeout(30_000);

describe('UnionPay channel over TLS: outages, dropped connections, simulator restarts', () => {
  let h: ChannelHarness;
  let client: UnionPayClient;

  beforeAll(async () => {
    h = await ChannelHarness.start('outage');
    client = await h.client();
  });
  afterEach(() => h.clearFaults());
  afterAll(() => h.stop());

  it('refuses requests during a whole-channel outage without writing them, and recovers when it ends', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    const [{ count: before }] = await h.clientDb.dataSource.query(
      `SELECT count(*)::int AS count FROM unionpay_request`,
    );
    await h.admin('PUT', '/admin/faults/outage', { active: true });
    await eventually(async () => !client.ready, 'channel down', 5_000);
    await expect(client.purchase({ pan, amount: cny(500) })).rejects.toBeInstanceOf(ChannelUnavailableError);
    const [{ count: during }] = await h.clientDb.dataSource.query(
      `SELECT count(*)::int AS count FROM unionpay_request`,
    );
    expect(during).toBe(before);

    await h.admin('PUT', '/admin/faults/outage', { active: false });
    await eventually(async () => client.readyConnections === 2, 'both connections back', 10_000);
    expect((await client.purchase({ pan, amount: cny(500) })).outcome).toBe('approved');
    expect((await h.account(acct.id)).balance).toEqual(cny(500));
  });

  it('reverses a request whose connection dropped after the switch applied it, and reconnects', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    await h.fault({ kind: 'drop-connection', phase: 'after', mtis: ['0200'], remaining: 1 });
    const r = await client.purchase({ pan, amount: cny(1_200) });
    expect(r).toMatchObject({ outcome: 'timed-out', reversal: 'queued' });
    await eventually(
      async () => (await h.requestRow(r.reference.requestId)).reversal_state === 'acknowledged',
      'reversed',
      10_000,
    );
    expect((await h.account(acct.id)).balance).toEqual(cny(0));
    await eventually(async () => client.readyConnections === 2, 'reconnected', 10_000);
  });

  it('settles a reversal with 25 when the connection dropped before the switch saw the request', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    await h.fault({ kind: 'drop-connection', phase: 'before', mtis: ['0100'], remaining: 1 });
    const r = await client.authorize({ pan, amount: cny(1_300) });
    expect(r.outcome).toBe('timed-out');
    await eventually(
      async () => (await h.requestRow(r.reference.requestId)).reversal_response_code === '25',
      'reversal answered original-not-found',
      10_000,
    );
    expect((await h.requestRow(r.reference.requestId)).reversal_state).toBe('acknowledged');
    expect((await h.account(acct.id)).held).toEqual(cny(0));
  });

  it('adds latency without failing requests inside the timeout', async () => {
    const pan = testPan();
    await h.seedAccount(pan);
    await h.fault({ kind: 'latency', delayMs: 100, mtis: ['0200'], remaining: 1 });
    expect((await client.purchase({ pan, amount: cny(100) })).outcome).toBe('approved');
  });

  it('keeps accounts and journal across a simulator restart, and the client carries on with fresh keys', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    const before = await client.purchase({ pan, amount: cny(2_000) });
    expect(before.outcome).toBe('approved');
    await h.sim.close();
    await eventually(async () => !client.ready, 'channel down while the simulator is away', 5_000);
    await h.startSim();
    expect((await h.account(acct.id)).balance).toEqual(cny(2_000));
    expect((await h.journal(before.rrn)).map((j) => j.state)).toEqual(['approved']);
    await eventually(async () => client.ready, 'reconnected and keys exchanged again', 10_000);
    expect((await client.purchase({ pan, amount: cny(3_000) })).outcome).toBe('approved');
    expect((await h.account(acct.id)).balance).toEqual(cny(5_000));
  });
});
