export type BreakKind =
  'MISSING_IN_LEDGER' | 'MISSING_AT_UNIONPAY' | 'MISSING_AT_WECHATPAY' | 'AMOUNT_DIFFERS' | 'STATUS_DIFFERS';

export type BreakSource = 'UNIONPAY' | 'WECHATPAY';

export interface ReconciliationBreak {
  kind: BreakKind;
  source: BreakSource;
  /** Payment id (captures), refund id (refunds) or out_trade_no (WeChat Pay orders). */
  reference: string;
  detail: string;
  ledgerMinor: number | null;
  counterpartyMinor: number | null;
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
