export type Row = Record<string, unknown>;

/**
 * The rows of a data-changing statement with RETURNING: TypeORM answers UPDATE and DELETE as [rows, count] and
 * other statements as the rows.
 */
export function returnedRows<R = Row>(result: unknown): R[] {
  if (!Array.isArray(result)) return [];
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as R[];
  return result as R[];
}
