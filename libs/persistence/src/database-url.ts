/** The local server on this kind of machine: trust auth, user postgres. */
export const DEFAULT_DATABASE_SERVER = 'postgres://postgres@127.0.0.1:5432';

/**
 * A service's database URL: its own variable (e.g. PAYMENT_DATABASE_URL) wins, then DATABASE_URL, then the local
 * server with a per-service database name, so services never share tables by accident.
 */
export function databaseUrlFor(service: string, env: NodeJS.ProcessEnv = process.env): string {
  const own = env[`${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`];
  if (own) return own;
  if (env.DATABASE_URL) return env.DATABASE_URL;
  return `${DEFAULT_DATABASE_SERVER}/wxpay_${service.replace(/-/g, '_')}`;
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
