import { hmacSm3 } from '@wxpay/gm-crypto';
import {
  applyMac,
  currencyAlpha,
  decodeOriginalData,
  decryptSensitiveData,
  keyGenerationOf,
  Mti,
  ResponseCode,
  responseTo,
  transactionKindOf,
  UnionPayCodecError,
  UnionPaySecurityError,
  verifyMac,
  type IsoMessage,
  type SensitiveCardData,
  type WorkingKeys,
} from '@wxpay/unionpay';
import { type JournalKind, type LedgerRequest } from '../issuer/ledger-model';
import { type ConnectionState, type SwitchContext } from './switch-context';

const NOT_SUPPORTED = '40';
const CARD_KINDS = new Set(['preauth', 'purchase', 'credit']);

/** HMAC-SM3 of a PAN under the simulator's index key: how accounts are found without storing PANs. */
export function panIndexOf(panIndexKey: Buffer, pan: string): string {
  return hmacSm3(panIndexKey, Buffer.from(pan, 'latin1')).toString('hex');
}

function answer(request: IsoMessage, code: string, keys?: WorkingKeys): IsoMessage {
  const response = responseTo(request, { responseCode: code });
  return keys ? applyMac(response, keys.macKey) : response;
}

/**
 * 0100/0200/0220/0420 from a signed-on institution: MAC first (a bad MAC is answered A0 and nothing else
 * happens), then card data decryption, format checks, and the issuer. The answer is MACed with the key
 * generation the request used.
 */
export async function handleFinancial(
  ctx: SwitchContext,
  conn: ConnectionState,
  request: IsoMessage,
): Promise<IsoMessage> {
  const acquirerId = request.text(32);
  if (conn.institution === undefined || acquirerId !== conn.institution) {
    return answer(request, ResponseCode.NOT_SIGNED_ON);
  }
  let keys: WorkingKeys | undefined;
  try {
    keys = ctx.institutions.keysFor(acquirerId, keyGenerationOf(request.text(53)));
  } catch {
    keys = undefined;
  }
  if (!keys) return answer(request, ResponseCode.BAD_MAC);
  try {
    verifyMac(request, keys.macKey);
  } catch (e) {
    if (!(e instanceof UnionPaySecurityError)) throw e;
    ctx.logger.warn(
      { connection: conn.id, stan: request.text(11), rrn: request.text(37) },
      'MAC verification failed',
    );
    return answer(request, ResponseCode.BAD_MAC, keys);
  }

  let card: SensitiveCardData | undefined;
  const block = request.binary(62);
  if (block) {
    try {
      card = decryptSensitiveData(keys.dataKey, block);
    } catch {
      return answer(request, ResponseCode.SECURITY_FAILURE, keys);
    }
  }

  let ledgerRequest: LedgerRequest;
  try {
    const built = toLedgerRequest(ctx, request, card);
    if (typeof built === 'string') return answer(request, built, keys);
    ledgerRequest = built;
  } catch (e) {
    if (!(e instanceof UnionPayCodecError)) throw e;
    return answer(request, ResponseCode.FORMAT_ERROR, keys);
  }
  ledgerRequest.forcedResponse = ctx.faults.forcedResponse(request.mti);

  try {
    const outcome = await ctx.ledger.submit(ledgerRequest);
    const response = responseTo(request, {
      responseCode: outcome.responseCode,
      authCode: outcome.authCode,
      // F15 is MMDD of the YYYY-MM-DD settlement date.
      settlementDate: outcome.settlementDate?.slice(5).replace('-', ''),
    });
    return applyMac(response, keys.macKey);
  } catch {
    return answer(request, ResponseCode.SYSTEM_MALFUNCTION, keys);
  }
}

/** A LedgerRequest, or the response code that refuses the message before the issuer sees it. */
function toLedgerRequest(
  ctx: SwitchContext,
  m: IsoMessage,
  card: SensitiveCardData | undefined,
): LedgerRequest | string {
  const processingCode = m.requireText(3);
  const kind: JournalKind | undefined =
    m.mti === Mti.REVERSAL_ADVICE ? 'reversal' : transactionKindOf(m.mti, processingCode, m.text(25) ?? '00');
  if (kind === undefined) return NOT_SUPPORTED;
  const currency = currencyAlpha(m.requireText(49));
  if (currency === undefined) return ResponseCode.INVALID_AMOUNT;
  const amount = Number(m.requireText(4));
  const base = {
    kind,
    acquirerId: m.requireText(32),
    terminalId: m.requireText(41).trimEnd(),
    merchantId: m.requireText(42).trimEnd(),
    mti: m.mti,
    processingCode,
    stan: m.requireText(11),
    transmitted: m.requireText(7),
    rrn: m.requireText(37),
    amount,
    currency,
  };
  if (CARD_KINDS.has(kind)) {
    if (!card) return ResponseCode.FORMAT_ERROR;
    return { ...base, panIndex: panIndexOf(ctx.keys.panIndexKey, card.pan), expiry: card.expiry };
  }
  const original = decodeOriginalData(m.requireText(90));
  if (original.acquirerId !== base.acquirerId) return ResponseCode.INVALID_RELATED;
  const reasonCode = kind === 'reversal' ? (m.text(60) ?? '').slice(0, 4) || undefined : undefined;
  return {
    ...base,
    original: { mti: original.mti, stan: original.stan, transmitted: original.transmissionDateTime },
    reasonCode,
  };
}
