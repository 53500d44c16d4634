import { escapeLiteral } from 'pg';

export type SqlValue = string | number | null;
export type SqlArrayType = 'text' | 'bigint' | 'date';

/**
 * SQL literals for statements sent through the simple query protocol, the only way node-postgres sends several
 * statements in one round trip. Strings go through node-postgres' own escapeLiteral; numbers must be safe
 * integers.
 */
export function literal(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error('only safe integers may be inlined');
    return String(v);
  }
  return escapeLiteral(v);
}

function element(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return literal(v);
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One array literal (`'{"a","b",NULL}'::text[]`): cheaper for the server to parse than ARRAY[…] of literals. */
export function arrayLiteral(values: readonly SqlValue[], type: SqlArrayType): string {
  return `${escapeLiteral(`{${values.map(element).join(',')}}`)}::${type}[]`;
}
