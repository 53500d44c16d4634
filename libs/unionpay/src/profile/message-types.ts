/**
 * Message types of this profile (docs/unionpay-profile.md §5). MTIs, processing codes (F3) and POS condition
 * codes (F25) follow CUPS inter-institution usage (fact sheet §2.2); the repayment-credit code 210000 is this
 * profile's choice.
 */
export const Mti = {
  AUTHORIZATION_REQUEST: '0100',
  AUTHORIZATION_RESPONSE: '0110',
  FINANCIAL_REQUEST: '0200',
  FINANCIAL_RESPONSE: '0210',
  ADVICE_REQUEST: '0220',
  ADVICE_RESPONSE: '0230',
  REVERSAL_ADVICE: '0420',
  REVERSAL_RESPONSE: '0430',
  NETWORK_REQUEST: '0820',
  NETWORK_RESPONSE: '0830',
} as const;

export type MtiValue = (typeof Mti)[keyof typeof Mti];

/** Response MTI for a request MTI: 0100 → 0110, 0420 → 0430, 0820 → 0830. */
export function responseMtiOf(requestMti: string): string {
  return `${requestMti.slice(0, 2)}${Number(requestMti[2]) + 1}${requestMti[3]}`;
}

export function isResponseMti(mti: string): boolean {
  return Number(mti[2]) % 2 === 1;
}

/** The kinds of financial transaction the typed API offers. */
export type TransactionKind = 'preauth' | 'completion' | 'purchase' | 'refund' | 'credit';

export interface TransactionType {
  kind: TransactionKind;
  mti: string;
  processingCode: string;
  posConditionCode: string;
}

export const TRANSACTION_TYPES: Record<TransactionKind, TransactionType> = {
  preauth: {
    kind: 'preauth',
    mti: Mti.AUTHORIZATION_REQUEST,
    processingCode: '030000',
    posConditionCode: '06',
  },
  completion: {
    kind: 'completion',
    mti: Mti.FINANCIAL_REQUEST,
    processingCode: '000000',
    posConditionCode: '06',
  },
  purchase: {
    kind: 'purchase',
    mti: Mti.FINANCIAL_REQUEST,
    processingCode: '000000',
    posConditionCode: '00',
  },
  refund: { kind: 'refund', mti: Mti.ADVICE_REQUEST, processingCode: '200000', posConditionCode: '00' },
  credit: { kind: 'credit', mti: Mti.FINANCIAL_REQUEST, processingCode: '210000', posConditionCode: '00' },
};

/** Classifies a financial request by MTI, the first two digits of F3 and F25. */
export function transactionKindOf(
  mti: string,
  processingCode: string,
  posCondition: string,
): TransactionKind | undefined {
  const p = processingCode.slice(0, 2);
  if (mti === Mti.AUTHORIZATION_REQUEST && p === '03') return 'preauth';
  if (mti === Mti.FINANCIAL_REQUEST && p === '00') return posCondition === '06' ? 'completion' : 'purchase';
  if (mti === Mti.FINANCIAL_REQUEST && p === '21') return 'credit';
  if (mti === Mti.ADVICE_REQUEST && p === '20') return 'refund';
  return undefined;
}

/** F70 network management information codes (fact sheet §2.2). */
export const NetworkCode = {
  SIGN_ON: '001',
  SIGN_OFF: '002',
  KEY_RESET: '101',
  ECHO: '301',
} as const;

/** F60.1 message reason codes used in reversals (fact sheet §2.5, A.3). */
export const ReversalReason = {
  TIMEOUT_WAITING: '4021',
  ACQUIRER_REQUESTED: '4351',
  LATE_RESPONSE: '4353',
  ACQUIRER_TIMEOUT: '4354',
  BAD_RESPONSE_MAC: '4355',
} as const;

export type ReversalReasonCode = (typeof ReversalReason)[keyof typeof ReversalReason];

/** F22 for card-not-present key entry without PIN (profile choice). */
export const POS_ENTRY_MODE_CNP = '012';
