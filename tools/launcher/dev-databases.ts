import { databaseNameOf, ensureDatabase, withDatabase } from '@wxpay/persistence';
import { Client } from 'pg';

/** What the launcher writes as a database's comment: the checkout whose `.data` holds the keys its rows need. */
const MARK = 'wxpay-gateway dev data of ';
const PREFIX = /^[a-z][a-z0-9_]{0,30}$/;

/** The database the launcher gives an app on the server: `<LAUNCHER_DATABASE_PREFIX><app>`, wxpay_ by default. */
export function devDatabaseName(app: string, env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.LAUNCHER_DATABASE_PREFIX ?? 'wxpay_';
  if (!PREFIX.test(prefix)) {
    throw new Error('LAUNCHER_DATABASE_PREFIX must be a lower-case letter, then up to 30 of [a-z0-9_]');
  }
  return `${prefix}${app.replace(/-/g, '_')}`;
}

async function ownerOf(c: Client, database: string): Promise<string | undefined> {
  const { rows } = await c.query<{ note: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1`,
    [database],
  );
  const note = rows[0]?.note;
  return note?.startsWith(MARK) ? note.slice(MARK.length) : undefined;
}

/**
 * Creates the apps' databases and marks them as this checkout's. A development cluster's rows are sealed and
 * signed with keys that live in its checkout's `.data` (the vault's key shares, the simulators' keys): a second
 * checkout started on the same databases fails deep inside a service (the vault refuses key shares that are not
 * the ones its database registered). So a database marked by another checkout is refused here, before any app
 * starts, with the way out; an unmarked one (made before this check existed) is taken over.
 */
export async function claimDevDatabases(urls: readonly string[], checkout: string): Promise<void> {
  const [first] = urls;
  if (!first) return;
  for (const url of urls) await ensureDatabase(url);
  const c = new Client({ connectionString: withDatabase(first, 'postgres'), connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const foreign: string[] = [];
    for (const url of urls) {
      const database = databaseNameOf(url);
      const owner = await ownerOf(c, database);
      if (owner !== undefined && owner !== checkout) foreign.push(`${database} (of ${owner})`);
    }
    if (foreign.length) {
      throw new Error(
        `these databases hold another checkout's development data, sealed with the keys in its .data: ` +
          `${foreign.join(', ')}. Give this checkout its own databases (e.g. LAUNCHER_DATABASE_PREFIX=wxpay2_ ` +
          `npm start), or drop those databases if that checkout is gone`,
      );
    }
    for (const url of urls) {
      const database = databaseNameOf(url);
      // COMMENT takes no bind parameters: the literal is escaped by the driver.
      await c.query(`COMMENT ON DATABASE "${database}" IS ${c.escapeLiteral(MARK + checkout)}`);
    }
  } finally {
    await c.end();
  }
}
