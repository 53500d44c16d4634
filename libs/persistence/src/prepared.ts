import { type DataSource, type EntityManager } from 'typeorm';

/** Distinct statements named at most (the lifecycle has a few dozen shapes); any beyond run unnamed. */
const MAX_NAMED = 256;
const names = new Map<string, string>();

/**
 * Runs `sql` as a named statement: PostgreSQL parses and plans it once per pooled connection instead of on every
 * call, which halves its CPU for the lifecycle's multi-CTE writes (their text is stable: what varies goes in
 * array parameters). TypeORM hands a query config through to pg as is, so results, errors and transactions are
 * those of `query`.
 */
export function prepared<T = unknown>(
  db: DataSource | EntityManager,
  sql: string,
  params: unknown[],
): Promise<T> {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `wxpay_${names.size}`;
    names.set(sql, name);
  }
  return db.query(
    name === undefined ? sql : ({ name, text: sql } as unknown as string),
    params,
  ) as Promise<T>;
}
