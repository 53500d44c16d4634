/** One line of WeChat Pay's trade bill as reconciliation needs it. */
export interface TradeBillLine {
  kind: 'PAYMENT' | 'REFUND';
  outTradeNo: string;
  /** out_refund_no for refunds. */
  reference: string;
  /** SUCCESS, REFUND, NOTPAY, CLOSED, … for payments; SUCCESS, PROCESSING, CLOSED, ABNORMAL for refunds. */
  state: string;
  amountMinor: number | null;
}

/**
 * Where the WeChat Pay side comes from. WeChat Pay publishes a daily trade bill
 * (GET /v3/bill/tradebill?bill_date=…, then a download); the simulator does not serve one yet, so the adapter
 * builds the bill from order and refund queries of what we know (it cannot see orders we never created).
 */
export interface TradeBillSource {
  lines(
    businessDate: string,
    known: { orders: string[]; refunds: { outTradeNo: string; outRefundNo: string }[] },
  ): Promise<TradeBillLine[]>;
}
