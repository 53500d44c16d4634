import { type WechatPayPort } from '../ports/wechatpay.port';
import { type TradeBillLine, type TradeBillSource } from '../ports/trade-bill.port';

/** The trade bill as order and refund queries see it (until the simulator serves /v3/bill/tradebill). */
export class WechatPayTradeBillAdapter implements TradeBillSource {
  constructor(
    private readonly wechat: WechatPayPort,
    private readonly concurrency = 4,
  ) {}

  async lines(
    _businessDate: string,
    known: { orders: string[]; refunds: { outTradeNo: string; outRefundNo: string }[] },
  ): Promise<TradeBillLine[]> {
    const out: TradeBillLine[] = [];
    await this.each(known.orders, async (outTradeNo) => {
      const s = await this.wechat.queryOrder(outTradeNo);
      if (s.found) {
        out.push({
          kind: 'PAYMENT',
          outTradeNo,
          reference: outTradeNo,
          state: s.tradeState,
          amountMinor: s.totalMinor ?? null,
        });
      }
    });
    await this.each(known.refunds, async ({ outTradeNo, outRefundNo }) => {
      const s = await this.wechat.queryRefund(outRefundNo);
      if (s.found) {
        out.push({
          kind: 'REFUND',
          outTradeNo,
          reference: outRefundNo,
          state: s.status,
          amountMinor: s.amountMinor,
        });
      }
    });
    return out;
  }

  private async each<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    const queue = [...items];
    await Promise.all(
      Array.from({ length: Math.min(this.concurrency, queue.length) }, async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
      }),
    );
  }
}
