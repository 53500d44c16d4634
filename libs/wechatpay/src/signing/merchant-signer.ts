import { createPrivateKey, KeyObject, sign } from 'node:crypto';
import { WechatPayConfigError } from '../errors/api-error';
import { signatureNonce } from '../crypto/nonce';
import { systemClock, unixSeconds, type Clock } from '../verification/clock';
import { formatAuthorization } from './authorization-header';
import { requestSignMessage } from './messages';

export interface MerchantCredentials {
  readonly mchid: string;
  /** Hex serial of the merchant API certificate (`apiclient_cert.pem`), 40 characters as openssl prints it. */
  readonly certificateSerial: string;
  /** PKCS#8 PEM (`apiclient_key.pem`) or an already-parsed KeyObject. */
  readonly privateKey: string | Buffer | KeyObject;
}

export interface SignedRequest {
  readonly authorization: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}

/** What `wx.requestPayment` / WeixinJSBridge needs for a JSAPI or Mini Program payment. */
export interface JsapiInvokeParams {
  readonly appId: string;
  readonly timeStamp: string;
  readonly nonceStr: string;
  readonly package: string;
  readonly signType: 'RSA';
  readonly paySign: string;
}

/**
 * Signs with the merchant's RSA key. The PEM is parsed once into a KeyObject: re-parsing it per request is the
 * dominant cost of RSA signing in Node.
 */
export class MerchantSigner {
  readonly mchid: string;
  readonly certificateSerial: string;
  readonly #key: KeyObject;

  constructor(
    credentials: MerchantCredentials,
    private readonly clock: Clock = systemClock,
  ) {
    this.mchid = credentials.mchid;
    this.certificateSerial = credentials.certificateSerial.toUpperCase();
    this.#key = toPrivateKey(credentials.privateKey);
  }

  /** `canonicalUrl` is the raw request-target (path and query, as put on the wire); `body` the exact bytes sent. */
  signRequest(method: string, canonicalUrl: string, body: Buffer | string): SignedRequest {
    const timestamp = String(unixSeconds(this.clock));
    const nonce = signatureNonce();
    const signature = this.signBytes(requestSignMessage(method, canonicalUrl, timestamp, nonce, body));
    const authorization = formatAuthorization({
      mchid: this.mchid,
      nonce_str: nonce,
      timestamp,
      serial_no: this.certificateSerial,
      signature,
    });
    return { authorization, timestamp, nonce, signature };
  }

  /** Client-side "invoke payment" signature for JSAPI / Mini Program (four lines: appId, ts, nonce, package). */
  jsapiInvokeParams(appId: string, prepayId: string): JsapiInvokeParams {
    const timeStamp = String(unixSeconds(this.clock));
    const nonceStr = signatureNonce();
    const pkg = `prepay_id=${prepayId}`;
    const paySign = this.signBytes(Buffer.from(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`, 'utf8'));
    return { appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  }

  private signBytes(message: Buffer): string {
    return sign('sha256', message, this.#key).toString('base64');
  }
}

function toPrivateKey(key: string | Buffer | KeyObject): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== 'private') throw new WechatPayConfigError('the merchant key must be a private key');
    return assertRsa(key);
  }
  try {
    return assertRsa(createPrivateKey(key));
  } catch (e) {
    if (e instanceof WechatPayConfigError) throw e;
    throw new WechatPayConfigError('the merchant private key is not a readable PEM private key');
  }
}

function assertRsa(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') throw new WechatPayConfigError('the merchant key must be an RSA key');
  return key;
}
