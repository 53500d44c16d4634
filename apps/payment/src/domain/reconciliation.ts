export type BreakKind =
  'MISSING_IN_LEDGER' | 'MISSING_AT_UNIONPAY' | 'MISSING_AT_WECHATPAY' | 'AMOUNT_DIFFERS' | 'STATUS_DIFFERS';

export type BreakSource = 'UNIONPAY' | 'WECHATPAY';

/** How an operator settled a break (ResolveReconciliationBreak). */
export interface BreakResolution {
  operator: string;
  note: string;
  resolvedAt: Date;
}

export interface ReconciliationBreak {
  /** Set once the break is stored. */
  id?: string;
  kind: BreakKind;
  source: BreakSource;
  /** Payment id (captures), refund id (refunds) or out_trade_no (WeChat Pay orders). */
  reference: string;
  detail: string;
  ledgerMinor: number | null;
  counterpartyMinor: number | null;
  resolution?: BreakResolution;
  /** The reconciled day, when read back from the store. */
  businessDate?: string;
}

export interface ReconciliationReport {
  runId: string;
  businessDate: string;
  ledgerItems: number;
  unionpayItems: number;
  wechatpayItems: number;
  matched: number;
  breaks: ReconciliationBreak[];
  finishedAt: Date;
}
