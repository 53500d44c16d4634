import { type Pool, type QueryResult } from 'pg';
import { type DataSource } from 'typeorm';
import { LedgerEngine } from './ledger-engine';
import {
  traceKeyOf,
  type JournalRow,
  type LedgerOutcome,
  type LedgerRequest,
  type TraceKey,
} from './ledger-model';
import { toAccount, toJournalRow, type DbRow } from './journal-rows';
import { arrayLiteral, literal, type SqlValue } from './sql-literals';

/**
 * Applies one batch of issuer requests in one transaction of two round trips, whatever its size — BEGIN + read,
 * then write + COMMIT, each sent as one simple-protocol query (node-postgres cannot pipeline parameterised
 * queries); the statements are PL/pgSQL functions (ledger-functions.migration.ts) so their plans are cached:
 * 1. sim_ledger_read: the journal rows the batch refers to, the card accounts involved locked FOR UPDATE in id
 *    order (so other writers such as the admin API cannot deadlock with it), and ids for the new rows;
 * 2. the issuer rules run in memory (LedgerEngine);
 * 3. sim_ledger_write: new journal rows, changed rows and account balances.
 * Journal rows are read in the same statement that locks the accounts: they are only ever written by this
 * single writer (LedgerBatcher), so they cannot change between that read and the write.
 */
export async function applyBatch(
  ds: DataSource,
  requests: LedgerRequest[],
  options: { syncCommit: boolean },
): Promise<LedgerOutcome[]> {
  const client = await poolOf(ds).connect();
  try {
    const begin = options.syncCommit ? 'BEGIN;' : 'BEGIN; SET LOCAL synchronous_commit TO off;';
    const results = (await client.query(
      `${begin} SELECT sim_ledger_read(${readArguments(requests).join(', ')}) AS read`,
    )) as unknown as QueryResult<{ read: ReadResult }>[];
    const read = results[results.length - 1].rows[0].read;
    const rows = read.rows.map(toJournalRow);
    const requestTraces = new Set(requests.map(traceKeyOf));
    let next = 0;
    const engine = new LedgerEngine(
      {
        accounts: read.accounts.map(toAccount),
        rows,
        existingTraces: new Set(rows.map(traceKeyOf).filter((t) => requestTraces.has(t))),
        panIndexToAccount: new Map(read.accounts.map((a) => [String(a.pan_index), Number(a.id)])),
      },
      () => read.ids[next++],
      new Date(),
    );
    const outcomes = requests.map((r) => engine.apply(r));
    await client.query(`SELECT sim_ledger_write(${writeArguments(engine).join(', ')}); COMMIT`);
    return outcomes;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

interface ReadResult {
  accounts: DbRow[];
  rows: DbRow[];
  ids: number[];
}

/** The node-postgres pool under TypeORM's DataSource: the batch needs multi-statement simple queries. */
function poolOf(ds: DataSource): Pool {
  return (ds.driver as unknown as { master: Pool }).master;
}

/** Trace keys to look up: every request's own (duplicates) and the original it names (F90). */
function readArguments(requests: LedgerRequest[]): string[] {
  const keys: TraceKey[] = requests.flatMap((r) =>
    r.original ? [r, { acquirerId: r.acquirerId, terminalId: r.terminalId, ...r.original }] : [r],
  );
  const panIndexes = [...new Set(requests.flatMap((r) => (r.panIndex ? [r.panIndex] : [])))];
  const text = (f: (k: TraceKey) => string) => arrayLiteral(keys.map(f), 'text');
  return [
    text((k) => k.acquirerId),
    text((k) => k.terminalId),
    text((k) => k.mti),
    text((k) => k.stan),
    text((k) => k.transmitted),
    arrayLiteral(panIndexes, 'text'),
    literal(requests.length),
  ];
}

/** Arguments of sim_ledger_write, in its parameter order. */
function writeArguments(engine: LedgerEngine): string[] {
  const rows = engine.newRows;
  const col = <T>(f: (r: JournalRow) => T) => rows.map(f);
  const changed = engine.changedRows;
  const accounts = engine.changedAccounts;
  const t = (values: SqlValue[]) => arrayLiteral(values, 'text');
  const b = (values: SqlValue[]) => arrayLiteral(values, 'bigint');
  return [
    b(col((r) => r.id)),
    t(col((r) => r.acquirerId)),
    t(col((r) => r.terminalId)),
    t(col((r) => r.merchantId)),
    t(col((r) => r.mti)),
    t(col((r) => r.processingCode)),
    t(col((r) => r.kind)),
    t(col((r) => r.stan)),
    t(col((r) => r.transmitted)),
    t(col((r) => r.rrn)),
    b(col((r) => r.accountId)),
    t(col((r) => r.maskedPan)),
    b(col((r) => r.amount)),
    t(col((r) => r.currency)),
    t(col((r) => r.responseCode)),
    t(col((r) => r.authCode)),
    t(col((r) => r.state)),
    b(col((r) => r.originalId)),
    t(col((r) => r.original?.mti ?? null)),
    t(col((r) => r.original?.stan ?? null)),
    t(col((r) => r.original?.transmitted ?? null)),
    b(col((r) => r.hold)),
    b(col((r) => r.refunded)),
    t(col((r) => r.reasonCode)),
    arrayLiteral(
      col((r) => r.settlementDate),
      'date',
    ),
    b(changed.map((r) => r.id)),
    t(changed.map((r) => r.state)),
    b(changed.map((r) => r.hold)),
    b(changed.map((r) => r.refunded)),
    b(accounts.map((a) => a.id)),
    b(accounts.map((a) => a.balance)),
    b(accounts.map((a) => a.held)),
  ];
}
