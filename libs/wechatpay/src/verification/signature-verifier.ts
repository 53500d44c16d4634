import { verify } from 'node:crypto';
import { VerificationFailure, WechatPayVerificationError } from '../errors/verification-error';
import { responseSignMessage } from '../signing/messages';
import { SIGNATURE_TYPE_RSA, SIGNTEST_PREFIX } from '../signing/platform-signature';
import { systemClock, type Clock } from './clock';
import { readHeader, type HeaderSource } from './headers';
import { isPublicKeyId, type VerificationKeyKind, type WechatPayKeyStore } from './key-store';

export const DEFAULT_MAX_SKEW_SECONDS = 300;

/** Called once per unknown certificate serial so a (rate-limited) `/v3/certificates` refresh can run. */
export type UnknownSerialHook = (serial: string) => Promise<boolean>;

export interface SignatureVerifierOptions {
  readonly keyStore: WechatPayKeyStore;
  readonly clock?: Clock;
  /** Allowed |now − Wechatpay-Timestamp|; WeChat and both official SDKs use 300 s. */
  readonly maxSkewSeconds?: number;
  readonly onUnknownSerial?: UnknownSerialHook;
}

export interface VerifiedSignature {
  readonly serial: string;
  readonly keyKind: VerificationKeyKind;
  readonly timestamp: number;
  readonly nonce: string;
}

const TIMESTAMP = /^\d{1,13}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Verifies WeChat Pay's signature over the raw bytes of a response or notification, in the normative order:
 * headers, signature type, timestamp window (before any RSA work), SIGNTEST probe, key by serial, RSA.
 */
export class WechatPaySignatureVerifier {
  private readonly clock: Clock;
  private readonly maxSkew: number;

  constructor(private readonly options: SignatureVerifierOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxSkew = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  }

  /** @throws WechatPayVerificationError */
  verify(headers: HeaderSource, body: Buffer): VerifiedSignature {
    const h = readSignatureHeaders(headers);
    const now = this.clock();
    this.checkTimestamp(h.timestamp, now);
    if (h.signature.startsWith(SIGNTEST_PREFIX)) {
      // A probe is answered like any bad signature so WeChat sees we verify; it re-delivers correctly later.
      throw new WechatPayVerificationError(VerificationFailure.SIGNTEST_PROBE, 'WeChat Pay signature probe', {
        serial: h.serial,
      });
    }
    const entry = this.options.keyStore.find(h.serial, now);
    if (!entry) {
      throw new WechatPayVerificationError(
        VerificationFailure.UNKNOWN_SERIAL,
        'no valid key for this serial',
        {
          serial: h.serial.slice(0, 64),
        },
      );
    }
    const signature = BASE64.test(h.signature) ? Buffer.from(h.signature, 'base64') : undefined;
    let ok = false;
    if (signature) {
      try {
        ok = verify('sha256', responseSignMessage(h.timestampText, h.nonce, body), entry.key, signature);
      } catch {
        ok = false; // a malformed signature blob is a verification failure, not a crash
      }
    }
    if (!ok) {
      throw new WechatPayVerificationError(VerificationFailure.BAD_SIGNATURE, 'signature does not verify', {
        serial: entry.serial,
      });
    }
    return { serial: entry.serial, keyKind: entry.kind, timestamp: h.timestamp, nonce: h.nonce };
  }

  /**
   * `verify`, plus one retry after the unknown-serial hook found new certificates (certificate mode only: a
   * `PUB_KEY_ID_` we do not know cannot be downloaded).
   */
  async verifyAllowingRefresh(headers: HeaderSource, body: Buffer): Promise<VerifiedSignature> {
    try {
      return this.verify(headers, body);
    } catch (e) {
      const hook = this.options.onUnknownSerial;
      if (
        !hook ||
        !(e instanceof WechatPayVerificationError) ||
        e.code !== VerificationFailure.UNKNOWN_SERIAL
      ) {
        throw e;
      }
      const serial = String(e.context.serial);
      if (isPublicKeyId(serial) || !(await hook(serial))) throw e;
      return this.verify(headers, body);
    }
  }

  private checkTimestamp(ts: number, now: number): void {
    const skew = Math.floor(now / 1000) - ts;
    if (skew > this.maxSkew) {
      throw new WechatPayVerificationError(
        VerificationFailure.STALE_TIMESTAMP,
        'timestamp older than allowed',
        {
          skewSeconds: skew,
        },
      );
    }
    if (-skew > this.maxSkew) {
      throw new WechatPayVerificationError(VerificationFailure.FUTURE_TIMESTAMP, 'timestamp in the future', {
        skewSeconds: skew,
      });
    }
  }
}

interface SignatureHeaders {
  readonly timestampText: string;
  readonly timestamp: number;
  readonly nonce: string;
  readonly signature: string;
  readonly serial: string;
}

function readSignatureHeaders(headers: HeaderSource): SignatureHeaders {
  const timestampText = required(headers, 'Wechatpay-Timestamp');
  const nonce = required(headers, 'Wechatpay-Nonce');
  const signature = required(headers, 'Wechatpay-Signature');
  const serial = required(headers, 'Wechatpay-Serial');
  const type = readHeader(headers, 'Wechatpay-Signature-Type');
  if (!type.ok) throw malformed('Wechatpay-Signature-Type');
  if (type.value !== undefined && type.value !== SIGNATURE_TYPE_RSA) {
    throw new WechatPayVerificationError(
      VerificationFailure.UNSUPPORTED_ALGORITHM,
      'unsupported signature type',
      {
        signatureType: type.value.slice(0, 40),
      },
    );
  }
  if (!TIMESTAMP.test(timestampText)) throw malformed('Wechatpay-Timestamp');
  return { timestampText, timestamp: Number(timestampText), nonce, signature, serial };
}

function required(headers: HeaderSource, name: string): string {
  const h = readHeader(headers, name);
  if (!h.ok) throw malformed(name);
  if (!h.value) {
    throw new WechatPayVerificationError(VerificationFailure.MISSING_HEADER, `missing ${name}`, {
      header: name,
    });
  }
  return h.value;
}

function malformed(name: string): WechatPayVerificationError {
  return new WechatPayVerificationError(VerificationFailure.MALFORMED_HEADER, `malformed ${name}`, {
    header: name,
  });
}
