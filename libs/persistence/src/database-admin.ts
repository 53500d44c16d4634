import { Client } from 'pg';
import { databaseNameOf, withDatabase } from './database-url';

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function assertSafeName(name: string): void {
  if (!SAFE_NAME.test(name))
    throw new Error(`refusing database name '${name}': use [a-z0-9_], at most 63 characters`);
}

async function withServerClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: withDatabase(url, 'postgres'),
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the database the URL names if it does not exist (for `npm start` and migrations on a fresh server). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseNameOf(url);
  assertSafeName(name);
  return withServerClient(url, async (c) => {
    const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await c.query(`CREATE DATABASE "${name}"`);
    } catch (e) {
      // Another process created it between our check and our create.
      if ((e as { code?: string }).code !== '42P04') throw e;
    }
    return true;
  });
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseNameOf(url);
  assertSafeName(name);
  await withServerClient(url, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export async function serverAnswers(url: string): Promise<boolean> {
  try {
    await withServerClient(url, (c) => c.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}
