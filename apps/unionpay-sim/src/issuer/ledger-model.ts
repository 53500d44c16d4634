import { type TransactionKind } from '@wxpay/unionpay';

export type AccountStatus = 'active' | 'lost' | 'stolen' | 'expired';
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['active', 'lost', 'stolen', 'expired'];

/** A card account as the issuer sees it; amounts in minor units. available = limit − balance − held. */
export interface Account {
  id: number;
  maskedPan: string;
  expiry: string;
  status: AccountStatus;
  currency: string;
  creditLimit: number;
  /** Amount owed (negative: the cardholder is in credit). */
  balance: number;
  held: number;
  singleLimit: number | null;
}

export type JournalKind = TransactionKind | 'reversal';
export type JournalState = 'approved' | 'declined' | 'reversed' | 'completed';

export interface TraceKey {
  acquirerId: string;
  terminalId: string;
  mti: string;
  stan: string;
  transmitted: string;
}

export interface JournalRow extends TraceKey {
  id: number;
  kind: JournalKind;
  merchantId: string;
  processingCode: string;
  rrn: string;
  accountId: number | null;
  maskedPan: string | null;
  amount: number;
  currency: string;
  responseCode: string;
  authCode: string | null;
  state: JournalState;
  originalId: number | null;
  original: { mti: string; stan: string; transmitted: string } | null;
  hold: number;
  refunded: number;
  reasonCode: string | null;
  /** YYYY-MM-DD (Beijing) for entries that settle. */
  settlementDate: string | null;
}

/** One request for the issuer, after the switch checked its MAC and decrypted its card data. */
export interface LedgerRequest extends TraceKey {
  kind: JournalKind;
  merchantId: string;
  processingCode: string;
  rrn: string;
  amount: number;
  currency: string;
  /** HMAC-SM3 of the PAN (hex), for card-present kinds. */
  panIndex?: string;
  expiry?: string;
  original?: { mti: string; stan: string; transmitted: string };
  reasonCode?: string;
  /** A fault rule's forced answer (91, 05, 96 …): journaled, nothing else changes. */
  forcedResponse?: string;
}

export interface LedgerOutcome {
  responseCode: string;
  authCode?: string;
  /** YYYY-MM-DD */
  settlementDate?: string;
}

export function traceKeyOf(t: TraceKey): string {
  return `${t.acquirerId}|${t.terminalId}|${t.mti}|${t.stan}|${t.transmitted}`;
}

export function originalKeyOf(r: {
  acquirerId: string;
  terminalId: string;
  original: { mti: string; stan: string; transmitted: string };
}): string {
  return traceKeyOf({ acquirerId: r.acquirerId, terminalId: r.terminalId, ...r.original });
}
