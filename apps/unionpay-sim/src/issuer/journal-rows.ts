import {
  type Account,
  type AccountStatus,
  type JournalKind,
  type JournalRow,
  type JournalState,
} from './ledger-model';

/** Row shapes as node-postgres returns them (bigint and date columns as strings). */
export type DbRow = Record<string, string | number | null>;

export const ACCOUNT_COLUMNS = `id, masked_pan, expiry, status, currency, credit_limit_minor, balance_minor, held_minor,
  single_limit_minor`;

export const JOURNAL_COLUMNS = `id, acquirer_id, terminal_id, merchant_id, mti, processing_code, kind, stan, transmitted,
  rrn, account_id, masked_pan, amount_minor, currency, response_code, auth_code, state, original_id, orig_mti,
  orig_stan, orig_transmitted, hold_minor, refunded_minor, reason_code, to_char(settlement_date, 'YYYY-MM-DD') AS settlement_date`;

const num = (v: string | number | null) => (v === null ? null : Number(v));
const str = (v: string | number | null) => (v === null ? null : String(v));

export function toAccount(r: DbRow): Account {
  return {
    id: Number(r.id),
    maskedPan: String(r.masked_pan),
    expiry: String(r.expiry),
    status: r.status as AccountStatus,
    currency: String(r.currency),
    creditLimit: Number(r.credit_limit_minor),
    balance: Number(r.balance_minor),
    held: Number(r.held_minor),
    singleLimit: num(r.single_limit_minor),
  };
}

export function toJournalRow(r: DbRow): JournalRow {
  return {
    id: Number(r.id),
    acquirerId: String(r.acquirer_id),
    terminalId: String(r.terminal_id),
    merchantId: String(r.merchant_id),
    mti: String(r.mti),
    processingCode: String(r.processing_code),
    kind: r.kind as JournalKind,
    stan: String(r.stan),
    transmitted: String(r.transmitted),
    rrn: String(r.rrn),
    accountId: num(r.account_id),
    maskedPan: str(r.masked_pan),
    amount: Number(r.amount_minor),
    currency: String(r.currency),
    responseCode: String(r.response_code),
    authCode: str(r.auth_code),
    state: r.state as JournalState,
    originalId: num(r.original_id),
    original:
      r.orig_mti === null
        ? null
        : { mti: String(r.orig_mti), stan: String(r.orig_stan), transmitted: String(r.orig_transmitted) },
    hold: Number(r.hold_minor),
    refunded: Number(r.refunded_minor),
    reasonCode: str(r.reason_code),
    settlementDate: str(r.settlement_date),
  };
}

/** The journal as the admin API shows it (no internal ids of other tables beyond the account). */
export function journalView(j: JournalRow): Record<string, unknown> {
  return {
    id: j.id,
    kind: j.kind,
    mti: j.mti,
    processingCode: j.processingCode,
    stan: j.stan,
    transmitted: j.transmitted,
    rrn: j.rrn,
    acquirerId: j.acquirerId,
    terminalId: j.terminalId,
    accountId: j.accountId,
    maskedPan: j.maskedPan,
    amount: { minor: j.amount, currency: j.currency },
    responseCode: j.responseCode,
    authCode: j.authCode,
    state: j.state,
    originalId: j.originalId,
    reasonCode: j.reasonCode,
    settlementDate: j.settlementDate,
  };
}
