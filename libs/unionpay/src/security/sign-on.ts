import { randomBytes } from 'node:crypto';
import { sm2Sign, sm2Verify, type Sm2PrivateKey, type Sm2PublicKey } from '@wxpay/gm-crypto';
import { UnionPaySecurityError } from '../errors/unionpay-errors';

/**
 * SM2-authenticated sign-on (profile §8.1). Each side signs a transcript that includes the other side's fresh
 * nonce, so neither signature can be replayed. SM2 with SM3/Z_A; user ID = the signer's institution code
 * (UnionPay's GM SDK uses its certId the same way, fact sheet §1.5); raw r‖s, upper-case hex.
 */
export const SIGN_ON_TAG = 'SO01';
const NONCE_HEX = 32;
const SIGNATURE_HEX = 128;
const KCV_HEX = 8;
/** KCV placeholder when the switch holds no working keys for the institution. */
export const NO_KEYS_KCV = '00000000';

export interface SignOnContext {
  transmissionDateTime: string;
  stan: string;
  acquirerId: string;
}

export function newNonce(): string {
  return randomBytes(NONCE_HEX / 2)
    .toString('hex')
    .toUpperCase();
}

function requestTranscript(c: SignOnContext, clientNonce: string): Buffer {
  return Buffer.from(`0820|${c.transmissionDateTime}|${c.stan}|${c.acquirerId}|001|${clientNonce}`, 'latin1');
}

function responseTranscript(c: SignOnContext, clientNonce: string, serverNonce: string, kcv: string): Buffer {
  return Buffer.from(
    `0830|${c.transmissionDateTime}|${c.stan}|${c.acquirerId}|001|00|${clientNonce}|${serverNonce}|${kcv}`,
    'latin1',
  );
}

function sign(key: Sm2PrivateKey, data: Buffer, userId: string): string {
  return sm2Sign(key, data, { encoding: 'raw', userId }).toString('hex').toUpperCase();
}

function verify(key: Sm2PublicKey, data: Buffer, signatureHex: string, userId: string): boolean {
  return sm2Verify(key, data, Buffer.from(signatureHex, 'hex'), { encoding: 'raw', userId });
}

const HEX = (n: number) => `[0-9A-F]{${n}}`;
const REQUEST = new RegExp(`^${SIGN_ON_TAG}(${HEX(NONCE_HEX)})(${HEX(SIGNATURE_HEX)})$`);
const RESPONSE = new RegExp(`^${SIGN_ON_TAG}(${HEX(NONCE_HEX)})(${HEX(KCV_HEX)})(${HEX(SIGNATURE_HEX)})$`);

/** F48 of the institution's 0820/001. */
export function signOnRequestField(
  c: SignOnContext,
  clientNonce: string,
  acquirerKey: Sm2PrivateKey,
): string {
  return `${SIGN_ON_TAG}${clientNonce}${sign(acquirerKey, requestTranscript(c, clientNonce), c.acquirerId)}`;
}

/** Switch side: checks the 0820/001 F48 against the institution's registered key; returns the client nonce. */
export function verifySignOnRequest(
  c: SignOnContext,
  f48: string | undefined,
  acquirerPublicKey: Sm2PublicKey,
): string {
  const m = f48 === undefined ? null : REQUEST.exec(f48);
  if (!m) throw new UnionPaySecurityError('BAD_SIGNATURE', 'sign-on data is malformed');
  if (!verify(acquirerPublicKey, requestTranscript(c, m[1]), m[2], c.acquirerId)) {
    throw new UnionPaySecurityError('BAD_SIGNATURE', 'sign-on signature does not verify');
  }
  return m[1];
}

/** F48 of the switch's 0830/001: its nonce, the KCV of the MAC key it holds for the institution, signature. */
export function signOnResponseField(
  c: SignOnContext,
  clientNonce: string,
  macKeyCheckValue: string,
  switchKey: Sm2PrivateKey,
  switchId: string,
): string {
  const serverNonce = newNonce();
  const sig = sign(switchKey, responseTranscript(c, clientNonce, serverNonce, macKeyCheckValue), switchId);
  return `${SIGN_ON_TAG}${serverNonce}${macKeyCheckValue}${sig}`;
}

/** Client side: authenticates the switch; returns the KCV of the MAC key the switch holds for us. */
export function verifySignOnResponse(
  c: SignOnContext,
  clientNonce: string,
  f48: string | undefined,
  switchPublicKey: Sm2PublicKey,
  switchId: string,
): string {
  const m = f48 === undefined ? null : RESPONSE.exec(f48);
  if (!m) throw new UnionPaySecurityError('BAD_SIGNATURE', 'sign-on response data is malformed');
  if (!verify(switchPublicKey, responseTranscript(c, clientNonce, m[1], m[2]), m[3], switchId)) {
    throw new UnionPaySecurityError('BAD_SIGNATURE', 'switch sign-on signature does not verify');
  }
  return m[2];
}
