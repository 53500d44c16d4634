import { type DataSource, type EntityManager } from 'typeorm';

export type SqlRow = Record<string, string | number | null>;

/**
 * Rows of an `UPDATE … RETURNING`. TypeORM's PostgreSQL driver answers UPDATE and DELETE with
 * `[rows, affectedCount]` instead of the rows, unlike SELECT and INSERT.
 */
export async function updateReturning(
  db: DataSource | EntityManager,
  sql: string,
  params: unknown[],
): Promise<SqlRow[]> {
  const result: unknown = await db.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as SqlRow[];
  }
  return result as SqlRow[];
}
