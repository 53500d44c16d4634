export {
  createDataSource,
  initializeDataSource,
  assertMigrationsApplied,
  ownSessionSettings,
  type DataSourceConfig,
  type OwnSessionSettings,
  type EntityList,
  type MigrationList,
} from './data-source';
export { ensureDatabase, dropDatabase, serverAnswers } from './database-admin';
export {
  databaseUrlFor,
  withDatabase,
  databaseNameOf,
  redactDatabaseUrl,
  DEFAULT_DATABASE_SERVER,
  DatabaseUrlError,
} from './database-url';
export {
  money,
  addMoney,
  subtractMoney,
  formatMoney,
  isCurrencyCode,
  minorUnitsTransformer,
  MoneyError,
  CURRENCY_EXPONENTS,
  type Money,
  type CurrencyCode,
} from './money';
export { MinorUnitsColumn, CurrencyColumn, InstantColumn, moneyColumnsSql } from './columns';
export { runMigrationsCommand } from './migrate-command';
export { returnedRows, type Row } from './returned-rows';
export { prepared } from './prepared';
export { isDatabaseUnavailable } from './unavailable';
export {
  IdempotencyStore,
  IDEMPOTENCY_TABLE_SQL,
  idempotencyConflict,
  idempotencyInProgress,
  replay,
  type IdempotencyRef,
  type IdempotentRequest,
  type StoredAnswer,
  type Claim,
  type ClaimWrites,
} from './idempotency/idempotency-store';
