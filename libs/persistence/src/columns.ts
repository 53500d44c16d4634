import { Column, type ColumnOptions } from 'typeorm';
import { minorUnitsTransformer } from './money';

/**
 * Column decorators for the shared column types, so every service stores money and instants the same way:
 * `bigint` minor units beside a `char(3)` currency, and `timestamptz` instants (UTC on the wire).
 */
export function MinorUnitsColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: minorUnitsTransformer, ...options });
}

export function CurrencyColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'char', length: 3, ...options });
}

export function InstantColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'timestamptz', ...options });
}

/** SQL for a migration: a money pair of columns with the checks the database enforces itself. */
export function moneyColumnsSql(prefix: string, opts: { nonNegative?: boolean } = {}): string {
  const amountCheck = opts.nonNegative ? ` CHECK (${prefix}_minor >= 0)` : '';
  return `${prefix}_minor bigint NOT NULL${amountCheck}, ${prefix}_currency char(3) NOT NULL CHECK (${prefix}_currency ~ '^[A-Z]{3}$')`;
}
