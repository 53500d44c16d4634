import { createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { WechatPayConfigError } from '../errors/api-error';

export const PUBLIC_KEY_ID_PREFIX = 'PUB_KEY_ID_';

export type VerificationKeyKind = 'platform-certificate' | 'public-key';

export interface VerificationKey {
  /** Upper-case hex serial for certificates, the exact `PUB_KEY_ID_…` for the public key. */
  readonly serial: string;
  readonly kind: VerificationKeyKind;
  /** Parsed once; verification never re-parses PEMs. */
  readonly key: KeyObject;
  /** Epoch ms; certificates only (the public key does not expire). */
  readonly notBefore?: number;
  readonly notAfter?: number;
}

export function isPublicKeyId(serial: string): boolean {
  return serial.startsWith(PUBLIC_KEY_ID_PREFIX);
}

/** Hex serials arrive in either case (consoles print upper, some notifications lower); key ids are exact. */
export function normalizeSerial(serial: string): string {
  return isPublicKeyId(serial) ? serial : serial.toUpperCase();
}

/**
 * What identifies a key: a certificate serial is a number, so leading zeros do not count either (the official
 * Java SDK prints `BigInteger.toString(16)`, which drops them; Node prints the DER bytes, which keep them).
 */
export function serialKey(serial: string): string {
  return isPublicKeyId(serial) ? serial : serial.toUpperCase().replace(/^0+(?=[0-9A-F])/, '');
}

/**
 * Every key that may sign what WeChat Pay sends us, by `Wechatpay-Serial`: platform certificates (several during
 * a rotation) and the WeChat Pay public key, both at once during a migration. Also answers which key to
 * encrypt sensitive fields with and which serial to announce in our requests' `Wechatpay-Serial`.
 */
export class WechatPayKeyStore {
  readonly #keys = new Map<string, VerificationKey>();

  /** The WeChat Pay public key downloaded from the merchant platform, with its `PUB_KEY_ID_…`. */
  addPublicKey(publicKeyId: string, key: string | Buffer | KeyObject): VerificationKey {
    if (!isPublicKeyId(publicKeyId) || publicKeyId.length === PUBLIC_KEY_ID_PREFIX.length) {
      throw new WechatPayConfigError(`a WeChat Pay public key id starts with ${PUBLIC_KEY_ID_PREFIX}`);
    }
    const entry: VerificationKey = { serial: publicKeyId, kind: 'public-key', key: toRsaPublicKey(key) };
    this.#keys.set(publicKeyId, entry);
    return entry;
  }

  /** A platform certificate (PEM or parsed). Its own serial and validity are read from the certificate. */
  addPlatformCertificate(certificate: string | Buffer | X509Certificate): VerificationKey {
    let x509: X509Certificate;
    try {
      x509 = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
    } catch {
      throw new WechatPayConfigError('the platform certificate is not a readable X.509 PEM');
    }
    const entry: VerificationKey = {
      serial: normalizeSerial(x509.serialNumber),
      kind: 'platform-certificate',
      key: toRsaPublicKey(x509.publicKey),
      notBefore: Date.parse(x509.validFrom),
      notAfter: Date.parse(x509.validTo),
    };
    this.#keys.set(serialKey(entry.serial), entry);
    return entry;
  }

  /** The key for a `Wechatpay-Serial`, if known and (for certificates) valid at `now`. */
  find(serial: string, now: number): VerificationKey | undefined {
    const entry = this.#keys.get(serialKey(serial));
    if (!entry) return undefined;
    return isUsable(entry, now) ? entry : undefined;
  }

  has(serial: string): boolean {
    return this.#keys.has(serialKey(serial));
  }

  /**
   * The key to encrypt sensitive request fields with, which is also the serial we announce in
   * `Wechatpay-Serial`: the public key when configured (it makes WeChat sign its answers with the public key
   * during a migration), otherwise the newest valid platform certificate.
   */
  preferred(now: number): VerificationKey | undefined {
    let best: VerificationKey | undefined;
    for (const entry of this.#keys.values()) {
      if (entry.kind === 'public-key') return entry;
      if (!isUsable(entry, now)) continue;
      if (!best || (entry.notBefore ?? 0) > (best.notBefore ?? 0)) best = entry;
    }
    return best;
  }

  /** Drops expired certificates; old ones stay until then, because a rotation overlaps them. */
  pruneExpired(now: number): string[] {
    const removed: string[] = [];
    for (const [key, entry] of this.#keys) {
      if (entry.notAfter !== undefined && entry.notAfter < now) {
        this.#keys.delete(key);
        removed.push(entry.serial);
      }
    }
    return removed;
  }

  entries(): VerificationKey[] {
    return [...this.#keys.values()];
  }

  /** A copy, used to verify a certificate download with the certificates it carries before adopting them. */
  clone(): WechatPayKeyStore {
    const copy = new WechatPayKeyStore();
    for (const [serial, entry] of this.#keys) copy.#keys.set(serial, entry);
    return copy;
  }

  /** Adds an already-built entry (e.g. from another store). */
  put(entry: VerificationKey): void {
    this.#keys.set(serialKey(entry.serial), entry);
  }
}

function isUsable(entry: VerificationKey, now: number): boolean {
  if (entry.notAfter !== undefined && now > entry.notAfter) return false;
  if (entry.notBefore !== undefined && now < entry.notBefore) return false;
  return true;
}

function toRsaPublicKey(key: string | Buffer | KeyObject): KeyObject {
  let parsed: KeyObject;
  try {
    parsed = key instanceof KeyObject ? key : createPublicKey(key);
  } catch {
    throw new WechatPayConfigError('the WeChat Pay key is not a readable PEM public key or certificate');
  }
  if (parsed.type !== 'public') parsed = createPublicKey(parsed);
  if (parsed.asymmetricKeyType !== 'rsa')
    throw new WechatPayConfigError('the WeChat Pay key must be an RSA key');
  return parsed;
}
