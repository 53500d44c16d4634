import { type PapayContract } from '../models/papay';
import { type RefundNotice } from '../models/refund';
import { type Transaction } from '../models/transaction';
import { type VerificationKeyKind } from '../verification/key-store';

/** What was checked and by which key; safe to log and to put on `wechatpay.notifications.v1`. */
export interface NotificationMeta {
  /** WeChat's notification id. Whether it is stable across retries is undocumented: dedupe on business keys. */
  readonly id: string;
  readonly createTime: string;
  readonly eventType: string;
  readonly summary: string | undefined;
  readonly originalType: string | undefined;
  /** `Wechatpay-Serial` of the key that verified the signature. */
  readonly serial: string;
  readonly keyKind: VerificationKeyKind;
  /** `Wechatpay-Timestamp` (seconds) and `Wechatpay-Nonce` of this delivery attempt. */
  readonly timestamp: number;
  readonly nonce: string;
}

export type TransactionEventType = 'TRANSACTION.SUCCESS' | 'TRANSACTION.FAIL';
export type RefundEventType = 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
export type ContractEventType = 'ENTRUST.SIGN' | 'ENTRUST.TERMINATE';

/**
 * A notification whose signature, timestamp and AES-GCM tag were all checked. `kind` tells the webhook which
 * typed resource it holds; `unrecognized` event types are verified and decrypted but their shape is not known.
 */
export type VerifiedNotification =
  | {
      readonly kind: 'transaction';
      readonly eventType: TransactionEventType;
      readonly meta: NotificationMeta;
      readonly transaction: Transaction;
    }
  | {
      readonly kind: 'refund';
      readonly eventType: RefundEventType;
      readonly meta: NotificationMeta;
      readonly refund: RefundNotice;
    }
  | {
      readonly kind: 'contract';
      readonly eventType: ContractEventType;
      readonly meta: NotificationMeta;
      readonly contract: PapayContract;
    }
  | {
      readonly kind: 'unrecognized';
      readonly eventType: string;
      readonly meta: NotificationMeta;
      readonly resource: unknown;
    };
