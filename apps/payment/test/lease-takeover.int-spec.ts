import { CoreHarness } from './support/core-harness';

jest.setTimeout(30_000);

/** Lease take-overs are counted when a lease ran out under another owner, never for one given back. */
describe('lease take-overs (real PostgreSQL, stand-in counterparties)', () => {
  let h: CoreHarness;
  beforeAll(async () => {
    h = await CoreHarness.start('pay_lease_takeover');
  });
  afterAll(() => h.stop());

  /** The counter as prom-client reports it to the registry (service label aside). */
  const takeovers = async () =>
    (await h.core.deps.metrics.leaseTakeovers.get()).values.find((v) => v.labels.resource === 'payment')
      ?.value ?? 0;

  it('counts the drive that takes a payment whose driver died holding the lease, and only that one', async () => {
    const id = String((await h.create()).payment_id);
    // The request's own drive gave its lease back: taking it again is no take-over.
    await h.core.driver.advance(id, 'janitor');
    expect(await takeovers()).toBe(0);

    await h.ds.query(
      `UPDATE payment SET lease_owner = 'dead-process', lease_until = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await h.core.driver.advance(id, 'janitor');
    expect(await takeovers()).toBe(1);

    // A lease still running is not taken at all.
    await h.ds.query(
      `UPDATE payment SET lease_owner = 'live-process', lease_until = now() + interval '1 minute' WHERE id = $1`,
      [id],
    );
    await h.core.driver.advance(id, 'janitor');
    expect(await takeovers()).toBe(1);
  });
});
