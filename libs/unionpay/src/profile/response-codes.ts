/**
 * F39 response codes (CUPS, fact sheet §2.4, paraphrased). `class` drives what a caller may do next:
 * approved; declined (final for this request); retry (the network or issuer was unavailable: nothing was
 * done, the same request may be sent again later); security (MAC/key problem: the channel resynchronises
 * its keys, the request may be retried).
 */
export type ResponseClass = 'approved' | 'declined' | 'retry' | 'security';

export interface ResponseCodeInfo {
  code: string;
  meaning: string;
  class: ResponseClass;
}

const TABLE: readonly ResponseCodeInfo[] = [
  { code: '00', meaning: 'approved', class: 'approved' },
  { code: '01', meaning: 'refer to card issuer', class: 'declined' },
  { code: '03', meaning: 'invalid merchant', class: 'declined' },
  { code: '04', meaning: 'pick up card', class: 'declined' },
  { code: '05', meaning: 'do not honour', class: 'declined' },
  { code: '10', meaning: 'partial approval', class: 'declined' },
  { code: '11', meaning: 'approved (VIP)', class: 'approved' },
  { code: '12', meaning: 'invalid related transaction', class: 'declined' },
  { code: '13', meaning: 'invalid amount', class: 'declined' },
  { code: '14', meaning: 'invalid card number', class: 'declined' },
  { code: '15', meaning: 'no such issuer', class: 'declined' },
  { code: '21', meaning: 'card not initialised', class: 'declined' },
  { code: '22', meaning: 'related transaction error', class: 'declined' },
  { code: '25', meaning: 'original transaction not found', class: 'declined' },
  { code: '30', meaning: 'format error', class: 'declined' },
  { code: '34', meaning: 'suspected fraud', class: 'declined' },
  { code: '38', meaning: 'PIN tries exceeded', class: 'declined' },
  { code: '40', meaning: 'function not supported', class: 'declined' },
  { code: '41', meaning: 'lost card', class: 'declined' },
  { code: '43', meaning: 'stolen card', class: 'declined' },
  { code: '45', meaning: 'fallback not allowed', class: 'declined' },
  { code: '51', meaning: 'insufficient funds', class: 'declined' },
  { code: '54', meaning: 'expired card', class: 'declined' },
  { code: '55', meaning: 'incorrect PIN', class: 'declined' },
  { code: '57', meaning: 'transaction not permitted to cardholder', class: 'declined' },
  { code: '58', meaning: 'transaction not permitted to terminal', class: 'declined' },
  { code: '59', meaning: 'suspected fraud (CVN)', class: 'declined' },
  { code: '61', meaning: 'exceeds amount limit', class: 'declined' },
  { code: '62', meaning: 'restricted card', class: 'declined' },
  { code: '64', meaning: 'original amount mismatch', class: 'declined' },
  { code: '65', meaning: 'exceeds frequency limit', class: 'declined' },
  { code: '68', meaning: 'issuer response timed out', class: 'retry' },
  { code: '75', meaning: 'PIN tries exceeded', class: 'declined' },
  { code: '90', meaning: 'cut-over in progress', class: 'retry' },
  { code: '91', meaning: 'issuer unavailable', class: 'retry' },
  { code: '92', meaning: 'destination unreachable', class: 'retry' },
  { code: '94', meaning: 'duplicate transmission', class: 'declined' },
  { code: '96', meaning: 'system malfunction', class: 'retry' },
  { code: '97', meaning: 'terminal not registered', class: 'declined' },
  { code: '98', meaning: 'switch received no issuer response', class: 'retry' },
  { code: '99', meaning: 'PIN format error', class: 'security' },
  { code: 'A0', meaning: 'MAC verification failed', class: 'security' },
  { code: 'A1', meaning: 'currency mismatch', class: 'declined' },
  { code: 'A7', meaning: 'security processing failure', class: 'security' },
  { code: 'C1', meaning: 'acquirer not signed on', class: 'retry' },
];

const BY_CODE = new Map(TABLE.map((i) => [i.code, i]));

export function responseCodeInfo(code: string): ResponseCodeInfo {
  return BY_CODE.get(code) ?? { code, meaning: 'unknown response code', class: 'declined' };
}

/** Named codes the simulator and the client use. */
export const ResponseCode = {
  APPROVED: '00',
  DO_NOT_HONOUR: '05',
  INVALID_RELATED: '12',
  INVALID_AMOUNT: '13',
  INVALID_CARD: '14',
  ORIGINAL_NOT_FOUND: '25',
  FORMAT_ERROR: '30',
  LOST_CARD: '41',
  STOLEN_CARD: '43',
  INSUFFICIENT_FUNDS: '51',
  EXPIRED_CARD: '54',
  EXCEEDS_LIMIT: '61',
  AMOUNT_MISMATCH: '64',
  ISSUER_UNAVAILABLE: '91',
  DUPLICATE: '94',
  SYSTEM_MALFUNCTION: '96',
  BAD_MAC: 'A0',
  SECURITY_FAILURE: 'A7',
  NOT_SIGNED_ON: 'C1',
} as const;

/** A reversal is settled by 00, or by 25/12 (the original never took effect) — fact sheet §2.5. */
export function settlesReversal(code: string): boolean {
  return code === '00' || code === '25' || code === '12';
}
