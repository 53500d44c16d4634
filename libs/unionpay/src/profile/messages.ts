import { IsoMessage } from '../codec/iso-message';
import { securityControl } from '../security/security-control';
import { localTime, monthDay } from './beijing-time';
import { Mti, NetworkCode, POS_ENTRY_MODE_CNP, responseMtiOf, type TransactionType } from './message-types';
import { encodeOriginalData, type OriginalDataElements } from './original-data';

/** Who originates: institution codes (F32/F33) and the card acceptor (F41/F42/F18/F43). */
export interface Originator {
  acquirerId: string;
  forwardingId: string;
  terminalId: string;
  merchantId: string;
  merchantType: string;
  merchantName?: string;
}

export interface Trace {
  stan: string;
  transmissionDateTime: string;
  rrn: string;
  at: Date;
}

export interface FinancialRequestParts {
  type: TransactionType;
  originator: Originator;
  trace: Trace;
  /** F4 (12 digits) and F49 (numeric currency). */
  amount: string;
  currency: string;
  keyGeneration: number;
  /** F62, already encrypted under the data key. */
  sensitiveData?: Buffer;
  original?: OriginalDataElements;
}

function padRight(value: string, length: number): string {
  return value.slice(0, length).padEnd(length, ' ');
}

/** An unMACed 0100/0200/0220 request (the caller applies the MAC last). */
export function financialRequest(p: FinancialRequestParts): IsoMessage {
  const m = new IsoMessage(p.type.mti)
    .set(3, p.type.processingCode)
    .set(4, p.amount)
    .set(7, p.trace.transmissionDateTime)
    .set(11, p.trace.stan)
    .set(12, localTime(p.trace.at))
    .set(13, monthDay(p.trace.at))
    .set(18, p.originator.merchantType)
    .set(22, POS_ENTRY_MODE_CNP)
    .set(25, p.type.posConditionCode)
    .set(32, p.originator.acquirerId)
    .set(33, p.originator.forwardingId)
    .set(37, p.trace.rrn)
    .set(41, padRight(p.originator.terminalId, 8))
    .set(42, padRight(p.originator.merchantId, 15))
    .set(49, p.currency)
    .set(53, securityControl(p.keyGeneration));
  if (p.originator.merchantName !== undefined) m.set(43, padRight(p.originator.merchantName, 40));
  if (p.sensitiveData) m.set(62, p.sensitiveData);
  if (p.original) m.set(90, encodeOriginalData(p.original));
  return m;
}

export interface ReversalParts {
  original: {
    mti: string;
    processingCode: string;
    posConditionCode: string;
    stan: string;
    transmissionDateTime: string;
    rrn: string;
    amount: string;
    currency: string;
  };
  originator: Originator;
  /** This attempt's transmission time (F7); F11 stays the original STAN. */
  transmissionDateTime: string;
  reason: string;
  keyGeneration: number;
}

/**
 * 0420 reversal advice (fact sheet §2.5): the original's F3/F4/F11/F37 context, F90 = original data elements,
 * F60 = message reason code, no F39. The card data (F62) is not repeated: F90 identifies the original.
 */
export function reversalAdvice(p: ReversalParts): IsoMessage {
  return new IsoMessage(Mti.REVERSAL_ADVICE)
    .set(3, p.original.processingCode)
    .set(4, p.original.amount)
    .set(7, p.transmissionDateTime)
    .set(11, p.original.stan)
    .set(25, p.original.posConditionCode)
    .set(32, p.originator.acquirerId)
    .set(33, p.originator.forwardingId)
    .set(37, p.original.rrn)
    .set(41, padRight(p.originator.terminalId, 8))
    .set(42, padRight(p.originator.merchantId, 15))
    .set(49, p.original.currency)
    .set(53, securityControl(p.keyGeneration))
    .set(60, p.reason)
    .set(
      90,
      encodeOriginalData({
        mti: p.original.mti,
        stan: p.original.stan,
        transmissionDateTime: p.original.transmissionDateTime,
        acquirerId: p.originator.acquirerId,
        forwardingId: p.originator.forwardingId,
      }),
    );
}

export interface NetworkRequestParts {
  code: string;
  stan: string;
  transmissionDateTime: string;
  acquirerId: string;
  forwardingId: string;
  additionalData?: string;
}

export function networkRequest(p: NetworkRequestParts): IsoMessage {
  const m = new IsoMessage(Mti.NETWORK_REQUEST)
    .set(7, p.transmissionDateTime)
    .set(11, p.stan)
    .set(32, p.acquirerId)
    .set(33, p.forwardingId)
    .set(70, p.code);
  if (p.additionalData !== undefined) m.set(48, p.additionalData);
  return m;
}

/** Fields a response echoes from its request (profile §5.3). */
const ECHOED = [3, 4, 7, 11, 12, 13, 25, 32, 33, 37, 41, 42, 49, 53, 70, 90, 100];

export interface ResponseParts {
  responseCode: string;
  authCode?: string;
  settlementDate?: string;
  additionalData?: string;
}

/** An unMACed response: echoed fields, F15 settlement date, F38 authorisation code, F39. */
export function responseTo(request: IsoMessage, p: ResponseParts): IsoMessage {
  const m = new IsoMessage(responseMtiOf(request.mti));
  for (const f of ECHOED) {
    const v = request.get(f);
    if (v !== undefined) m.set(f, v);
  }
  if (p.settlementDate !== undefined) m.set(15, p.settlementDate);
  if (p.authCode !== undefined) m.set(38, p.authCode);
  m.set(39, p.responseCode);
  if (p.additionalData !== undefined) m.set(48, p.additionalData);
  return m;
}

export const isNetworkCode = (m: IsoMessage, code: (typeof NetworkCode)[keyof typeof NetworkCode]): boolean =>
  m.text(70) === code;
