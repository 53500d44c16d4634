import { randomUUID } from 'crypto';
import { WechatPayNotificationEventTypes, type EventEnvelope } from '@wxpay/contracts';

/**
 * A papay deduction result as the payment service forwards it on `wechatpay.notifications.v1` (or as someone who
 * can write that topic would forge it). `amount` undefined leaves the amount out.
 */
export function papayResult(
  outTradeNo: string,
  tradeState: string,
  amount: number | undefined,
  ids: { notificationId: string; transactionId: string },
): EventEnvelope {
  return {
    id: randomUUID(),
    type: WechatPayNotificationEventTypes.transaction,
    version: 1,
    occurredAt: new Date().toISOString(),
    aggregateId: outTradeNo,
    traceId: outTradeNo,
    payload: {
      notificationId: ids.notificationId,
      wechatEventType: tradeState === 'SUCCESS' ? 'TRANSACTION.SUCCESS' : 'TRANSACTION.FAIL',
      createTime: new Date().toISOString(),
      endpoint: 'papay',
      verifiedBy: { serial: 'PUB_KEY_ID_TEST', keyKind: 'public-key' },
      receivedAt: new Date().toISOString(),
      transaction: {
        appid: 'wx0000000000000000',
        mchid: '1900000001',
        outTradeNo,
        transactionId: ids.transactionId,
        tradeType: 'PAP',
        tradeState,
        ...(amount === undefined ? {} : { amount: { total: amount } }),
      },
    },
  };
}
