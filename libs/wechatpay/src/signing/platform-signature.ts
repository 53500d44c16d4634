import { sign, type KeyObject } from 'node:crypto';
import { signatureNonce } from '../crypto/nonce';
import { responseSignMessage } from './messages';

export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';
export const SIGNATURE_TYPE_RSA = 'WECHATPAY2-SHA256-RSA2048';

// A type alias (not an interface) so it is assignable to fetch's HeadersInit and other string records.
export type WechatPaySignatureHeaders = {
  readonly 'Wechatpay-Timestamp': string;
  readonly 'Wechatpay-Nonce': string;
  readonly 'Wechatpay-Signature': string;
  readonly 'Wechatpay-Serial': string;
  readonly 'Wechatpay-Signature-Type': string;
};

/**
 * WeChat Pay's side of the signature (responses and notifications), for the simulator and tests. A fresh
 * timestamp and nonce per call, as WeChat re-signs every delivery attempt.
 */
export function signAsWechatPay(
  privateKey: KeyObject,
  serial: string,
  body: Buffer | string,
  timestampSeconds: number,
): WechatPaySignatureHeaders {
  const timestamp = String(timestampSeconds);
  const nonce = signatureNonce();
  const signature = sign('sha256', responseSignMessage(timestamp, nonce, body), privateKey).toString(
    'base64',
  );
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signature,
    'Wechatpay-Serial': serial,
    'Wechatpay-Signature-Type': SIGNATURE_TYPE_RSA,
  };
}
