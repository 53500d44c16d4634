import { randomBytes } from 'crypto';
import { dropDatabase, withDatabase } from '@wxpay/persistence';
import { testDatabaseServer } from '@wxpay/testing';
import { Client } from 'pg';
import { claimDevDatabases, devDatabaseName } from './dev-databases';

jest.setTimeout(60_000);

/** The launcher's databases on the real local server, under a prefix of this run's own. */
describe("npm start's development databases", () => {
  const env = { LAUNCHER_DATABASE_PREFIX: `launcher_${randomBytes(4).toString('hex')}_` };
  const server = testDatabaseServer();
  const urls = ['tokenization', 'payment'].map((app) => withDatabase(server, devDatabaseName(app, env)));

  afterAll(async () => {
    for (const url of urls) await dropDatabase(url);
  });

  async function tables(url: string): Promise<number> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('CREATE TABLE IF NOT EXISTS marker (n int)');
      return (await c.query('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', ['public']))
        .rows[0].n as number;
    } finally {
      await c.end();
    }
  }

  it('names them with the prefix and refuses a prefix that is not a plain identifier', () => {
    expect(devDatabaseName('unionpay-sim', env)).toBe(`${env.LAUNCHER_DATABASE_PREFIX}unionpay_sim`);
    expect(devDatabaseName('payment', {})).toBe('wxpay_payment');
    expect(() => devDatabaseName('payment', { LAUNCHER_DATABASE_PREFIX: 'x"; DROP' })).toThrow(
      /LAUNCHER_DATABASE_PREFIX/,
    );
  });

  it("creates them for a checkout, and refuses another checkout's, naming the databases and the way out", async () => {
    await claimDevDatabases(urls, '/home/dev/first');
    expect(await tables(urls[0]!)).toBe(1);
    await claimDevDatabases(urls, '/home/dev/first'); // the same checkout again: nothing to say

    const refused = claimDevDatabases(urls, '/home/dev/second');
    await expect(refused).rejects.toThrow(
      `${devDatabaseName('tokenization', env)} (of /home/dev/first), ${devDatabaseName('payment', env)} (of /home/dev/first)`,
    );
    await expect(claimDevDatabases(urls, '/home/dev/second')).rejects.toThrow(/LAUNCHER_DATABASE_PREFIX=/);
    // The refusal took nothing: the first checkout still owns them and its data is there.
    await claimDevDatabases(urls, '/home/dev/first');
    expect(await tables(urls[0]!)).toBe(1);
  });
});
