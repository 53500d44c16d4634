/** Conversions between PostgreSQL rows (bigint as text, jsonb parsed, timestamptz as Date) and domain values. */

export function toSafeInteger(value: unknown, column: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`column ${column} holds a non-integer or unsafe amount`);
  return n;
}

export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

export function toStringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export type Row = Record<string, unknown>;

/**
 * The rows of a data-changing statement with RETURNING: TypeORM answers UPDATE and DELETE as [rows, count] and
 * other statements as the rows.
 */
export function returnedRows(result: unknown): Row[] {
  if (!Array.isArray(result)) return [];
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as Row[];
  return result as Row[];
}

/**
 * Further writes of one statement: CTE definitions (`name AS (…)`) that push their parameters onto `params` and,
 * when `guard` names a CTE, write only if it returned a row (a guarded UPDATE, a newly claimed key).
 */
export type ExtraWrites = (params: unknown[], guard?: string) => string[];
