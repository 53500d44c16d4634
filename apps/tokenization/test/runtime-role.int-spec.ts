import { Client } from 'pg';
import { uniqueName } from '@wxpay/testing';
import { grantVaultRuntimeRole } from '../src/persistence/runtime-role';
import { card, randomPan } from './support/cards';
import { VaultHarness } from './support/vault-harness';

jest.setTimeout(90_000);

const ROLE = 'wxpay_vault_runtime';

/**
 * The vault as it runs on the local server (`npm start`): the schema migrated by its owner, the service connected
 * as the runtime role, which may append to the audit log but not rewrite it, nor switch its trigger off.
 */
describe('the vault runtime role', () => {
  let h: VaultHarness;
  let runtimeUrl: string;
  let asRuntime: Client;

  beforeAll(async () => {
    h = await VaultHarness.create('vault_role');
    await grantVaultRuntimeRole(h.db.dataSource, ROLE);
    const u = new URL(h.db.url);
    u.username = ROLE;
    u.password = '';
    runtimeUrl = u.toString();
    await h.start({}, { databaseUrl: runtimeUrl });
    asRuntime = new Client({ connectionString: runtimeUrl });
    await asRuntime.connect();
  });
  afterAll(async () => {
    await asRuntime.end();
    await h.close();
  });

  it('serves tokenize and detokenize, each audited, connected as the runtime role', async () => {
    const pan = randomPan();
    const { token } = await h.client('channel').tokenize(card(uniqueName('ch'), pan));
    expect((await h.client('payment').detokenize(token)).pan).toBe(pan);
    const [{ who }] = (await asRuntime.query(`SELECT current_user AS who`)).rows as [{ who: string }];
    expect(who).toBe(ROLE);
    expect(
      Number((await asRuntime.query(`SELECT count(*) AS n FROM audit_entry`)).rows[0].n),
    ).toBeGreaterThan(0);
  });

  it.each([
    ['rewrite an entry', `UPDATE audit_entry SET result = 'ok'`, /permission denied for table audit_entry/],
    ['delete entries', `DELETE FROM audit_entry`, /permission denied for table audit_entry/],
    ['truncate the log', `TRUNCATE audit_entry`, /permission denied for table audit_entry/],
    [
      'switch the append-only trigger off',
      `ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only`,
      /must be owner of table audit_entry/,
    ],
    ['drop the log', `DROP TABLE audit_entry`, /must be owner of table audit_entry/],
    ['record a migration', `DELETE FROM schema_migrations`, /permission denied for table schema_migrations/],
  ])('may not %s', async (_what, sql, refusal) => {
    await expect(asRuntime.query(sql)).rejects.toThrow(refusal);
  });
});
