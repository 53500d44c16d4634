import { assertFen, CURRENCY_CNY } from '../models/money';
import { refundSchema, type Refund } from '../models/refund';
import { type CallOptions, type MerchantContext } from './merchant-context';
import { optional } from './optional-fields';
import { pathSegment } from './wechatpay-http';

interface RefundRequestBase {
  /** ≤64 of [0-9A-Za-z_-|*@]. Retry a failed refund with the same number: the same number refunds once. */
  readonly out_refund_no: string;
  /** ≤80 characters, shown to the payer. */
  readonly reason?: string;
  readonly notify_url?: string;
  readonly funds_account?: 'AVAILABLE' | 'UNSETTLED';
  /** Integer fen: `refund` ≤ what is left of `total` (the original order amount). */
  readonly amount: { readonly refund: number; readonly total: number; readonly currency?: 'CNY' };
}

export type RefundRequest = RefundRequestBase &
  (
    | { readonly transaction_id: string; readonly out_trade_no?: never }
    | { readonly out_trade_no: string; readonly transaction_id?: never }
  );

/** Domestic refunds: create (usually answers PROCESSING; the end state comes by REFUND.* or query) and query. */
export class RefundsApi {
  constructor(private readonly ctx: MerchantContext) {}

  async create(refund: RefundRequest, options: CallOptions = {}): Promise<Refund> {
    assertFen(refund.amount.refund, 'amount.refund');
    assertFen(refund.amount.total, 'amount.total');
    return this.ctx.caller.json(
      {
        method: 'POST',
        path: '/v3/refund/domestic/refunds',
        body: {
          ...optional({
            transaction_id: refund.transaction_id,
            out_trade_no: refund.out_trade_no,
            reason: refund.reason,
            notify_url: refund.notify_url,
            funds_account: refund.funds_account,
          }),
          out_refund_no: refund.out_refund_no,
          amount: {
            refund: refund.amount.refund,
            total: refund.amount.total,
            currency: refund.amount.currency ?? CURRENCY_CNY,
          },
        },
        retry: 'keyed',
        signal: options.signal,
      },
      refundSchema,
    );
  }

  async query(outRefundNo: string, options: CallOptions = {}): Promise<Refund> {
    return this.ctx.caller.json(
      {
        method: 'GET',
        path: `/v3/refund/domestic/refunds/${pathSegment(outRefundNo)}`,
        retry: 'safe',
        signal: options.signal,
      },
      refundSchema,
    );
  }
}
