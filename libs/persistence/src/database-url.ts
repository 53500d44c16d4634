import { readFileSync } from 'fs';

/** The local server on this kind of machine: trust auth, user postgres. */
export const DEFAULT_DATABASE_SERVER = 'postgres://postgres@127.0.0.1:5432';

/** A database URL setting that cannot be used; names the variable and the file, never the URL. */
export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

/**
 * A service's database URL: its own variable (e.g. PAYMENT_DATABASE_URL) wins, then DATABASE_URL, then the local
 * server with a per-service database name, so services never share tables by accident. Each variable may instead
 * name a file holding the URL (`PAYMENT_DATABASE_URL_FILE`, `DATABASE_URL_FILE`): a mounted secret, so the
 * password stays out of the process environment.
 */
export function databaseUrlFor(service: string, env: NodeJS.ProcessEnv = process.env): string {
  return (
    urlFromEnv(`${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`, env) ??
    urlFromEnv('DATABASE_URL', env) ??
    `${DEFAULT_DATABASE_SERVER}/wxpay_${service.replace(/-/g, '_')}`
  );
}

function urlFromEnv(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[name];
  const file = env[`${name}_FILE`];
  if (value && file) throw new DatabaseUrlError(`${name}: set ${name} or ${name}_FILE, not both`);
  if (value || !file) return value || undefined;
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch {
    throw new DatabaseUrlError(`${name}_FILE: cannot read ${file}`);
  }
  if (!content) throw new DatabaseUrlError(`${name}_FILE: ${file} is empty`);
  return content;
}

/** The same server with another database name (used to create databases and to connect to `postgres`). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseNameOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('the database URL names no database');
  return name;
}

/** The URL with any password replaced, for logs and errors. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}
