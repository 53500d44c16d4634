import { type CardSecret } from '@wxpay/card';

/**
 * The UnionPay channel as the payment lifecycle uses it. `authId` is our payment id: the channel keys every
 * message of one payment (completion, reversal, refund) by it, so each call is idempotent on its side.
 */
export interface AuthorizeRequest {
  authId: string;
  card: CardSecret;
  amountMinor: number;
  currency: string;
  merchantId: string;
  mcc: string;
}

export type AuthorizeResult =
  | { outcome: 'APPROVED'; authCode: string; channelRef: string }
  | { outcome: 'DECLINED'; responseCode: string }
  /** No answer in time: the hold may exist. Never re-sent; reversed instead. */
  | { outcome: 'UNKNOWN' }
  /** Not sent at all (the channel is down): nothing is held. */
  | { outcome: 'UNAVAILABLE' };

export interface HoldRef {
  authId: string;
  channelRef: string | null;
  authCode: string | null;
  amountMinor: number;
  currency: string;
}

export type ChannelAck =
  | { outcome: 'DONE' }
  | { outcome: 'DECLINED'; responseCode: string }
  /** Not acknowledged yet: ask again later with the same ids (the channel applies each id once). */
  | { outcome: 'UNKNOWN' };

export type ReverseResult =
  | { outcome: 'ACKNOWLEDGED' }
  /** Stored and being forwarded until the channel acknowledges it. */
  | { outcome: 'PENDING' };

export interface ChannelRefundRequest {
  refundId: string;
  hold: HoldRef;
  amountMinor: number;
}

/** One line of the channel's daily settlement file. */
export interface SettlementLine {
  kind: 'CAPTURE' | 'REFUND';
  authId: string;
  /** The auth id for captures, our refund id for refunds. */
  reference: string;
  amountMinor: number;
  currency: string;
  settledAt: string;
}

export interface ChannelPort {
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  /**
   * Whether an authorisation of this payment may have reached the channel: false only when none was ever sent
   * (nothing logged, or logged as not sent), so it is safe to send one now.
   */
  authorizationSent(authId: string): Promise<boolean>;
  /** Completes (captures) an approved hold. */
  complete(hold: HoldRef): Promise<ChannelAck>;
  /** Releases a hold, or one whose authorisation answer was lost (acknowledged even if it never existed). */
  reverse(hold: HoldRef): Promise<ReverseResult>;
  refund(request: ChannelRefundRequest): Promise<ChannelAck>;
  /** The settlement file of one business day (YYYY-MM-DD, Asia/Shanghai). */
  settlementFile(businessDate: string): Promise<SettlementLine[]>;
}

export const CHANNEL_PORT = Symbol('CHANNEL_PORT');
