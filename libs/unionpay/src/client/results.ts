import { type Money } from '@wxpay/persistence';
import { type TransactionKind } from '../profile/message-types';
import { type ResponseClass } from '../profile/response-codes';

/**
 * Everything needed to refer to a channel transaction later (completion, refund, reversal). Plain data: the
 * caller stores it as it is (no card data in it).
 */
export interface TransactionReference {
  requestId: string;
  kind: TransactionKind;
  mti: string;
  stan: string;
  transmissionDateTime: string;
  rrn: string;
  acquirerId: string;
  forwardingId: string;
  terminalId: string;
  amount: Money;
}

interface ResultBase {
  stan: string;
  rrn: string;
  reference: TransactionReference;
}

export interface ApprovedResult extends ResultBase {
  outcome: 'approved';
  responseCode: string;
  meaning: string;
  authCode: string;
  /** F15, MMDD (Beijing), when the switch gave one. */
  settlementDate?: string;
}

export interface DeclinedResult extends ResultBase {
  outcome: 'declined';
  responseCode: string;
  meaning: string;
  responseClass: ResponseClass;
  /** The same request may be sent again later (network or issuer unavailable, key resync). */
  retryable: boolean;
}

/** No usable answer in time: the request is being reversed (store and forward); treat it as not approved. */
export interface TimedOutResult extends ResultBase {
  outcome: 'timed-out';
  reversal: 'queued';
  reason: string;
}

export type ChannelResult = ApprovedResult | DeclinedResult | TimedOutResult;

export type ReversalResult =
  | { outcome: 'acknowledged'; responseCode: string }
  /** Not yet acknowledged; the forwarder keeps sending it until the switch does. */
  | { outcome: 'queued' };

/** An answer the channel recognised and did not apply. */
export interface IgnoredAnswer {
  kind: 'late' | 'duplicate' | 'unknown';
  mti: string;
  stan: string;
  rrn?: string;
  responseCode?: string;
}

export interface CardTransactionRequest {
  /** Enters only here: encrypted into F62 at once, never logged or stored. */
  pan: string;
  /** YYMM */
  expiry?: string;
  amount: Money;
  /** What the request log stores instead of the PAN (a vault token); defaults to the masked PAN. */
  cardRef?: string;
}

export interface FollowUpRequest {
  original: TransactionReference;
  amount: Money;
}
