import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { inspect } from 'node:util';
import { GmCryptoError } from '../errors/gm-crypto-error';
import { bigintFromBytes, bigintToBytes, requireBytes } from '../internal/bytes';
import { FIELD_BYTES, N, P } from './curve';
import { curveRhs, invModBlinded, isOnCurve, sqrtModP } from './field';
import { decodePkcs8, decodeSpki, encodePkcs8, encodeSpki, pemDecode, pemEncode } from './key-encoding';
import { multiplyGenerator } from './multiply';

export interface Sm2PublicKeyBytesOptions {
  /** SEC1 compressed form (02/03 ‖ x, 33 bytes) instead of uncompressed (04 ‖ x ‖ y, 65 bytes). */
  compressed: boolean;
}

/** A validated SM2 public key: a point on sm2p256v1 other than the point at infinity. */
export class Sm2PublicKey {
  /** x ‖ y, 64 bytes. */
  readonly #xy: Buffer;
  #cacheId: string | undefined;

  private constructor(
    readonly x: bigint,
    readonly y: bigint,
  ) {
    if (!isOnCurve(x, y)) throw new GmCryptoError('INVALID_POINT', 'point is not on the SM2 curve');
    this.#xy = Buffer.concat([bigintToBytes(x, FIELD_BYTES), bigintToBytes(y, FIELD_BYTES)]);
  }

  /** Affine coordinates as integers; validated like every other import path. */
  static fromCoordinates(x: bigint, y: bigint): Sm2PublicKey {
    return new Sm2PublicKey(x, y);
  }

  /** SEC1 encodings: 04 ‖ x ‖ y (65 bytes) or 02/03 ‖ x (33 bytes). The point-at-infinity encoding is rejected. */
  static fromBytes(bytes: Uint8Array): Sm2PublicKey {
    const buf = requireBytes(bytes, 'public key');
    if (buf.length === 1 + 2 * FIELD_BYTES && buf[0] === 0x04) {
      return new Sm2PublicKey(bigintFromBytes(buf.subarray(1, 33)), bigintFromBytes(buf.subarray(33)));
    }
    if (buf.length === 1 + FIELD_BYTES && (buf[0] === 0x02 || buf[0] === 0x03)) {
      const x = bigintFromBytes(buf.subarray(1));
      if (x >= P) throw new GmCryptoError('INVALID_POINT', 'x coordinate is not a field element');
      const y = sqrtModP(curveRhs(x));
      if (y === undefined) throw new GmCryptoError('INVALID_POINT', 'no curve point has this x coordinate');
      const wantOdd = buf[0] === 0x03;
      return new Sm2PublicKey(x, (y & 1n) === (wantOdd ? 1n : 0n) ? y : P - y);
    }
    if (buf.length === 1 && buf[0] === 0) throw new GmCryptoError('INVALID_POINT', 'point at infinity');
    throw new GmCryptoError('BAD_KEY_ENCODING', 'expected a 65-byte (04…) or 33-byte (02/03…) SEC1 point');
  }

  static fromHex(hex: string): Sm2PublicKey {
    return Sm2PublicKey.fromBytes(hexToBytes(hex, 'public key'));
  }

  static fromSpkiDer(der: Uint8Array): Sm2PublicKey {
    return Sm2PublicKey.fromBytes(decodeSpki(requireBytes(der, 'SubjectPublicKeyInfo')));
  }

  static fromPem(pem: string): Sm2PublicKey {
    return Sm2PublicKey.fromSpkiDer(pemDecode(pem, 'PUBLIC KEY'));
  }

  /** 64-byte x ‖ y (the form hashed into Z_A); a copy, so callers cannot alter the key. */
  get xy(): Buffer {
    return Buffer.from(this.#xy);
  }

  /** @internal key of the per-public-key precomputation cache. */
  get cacheId(): string {
    this.#cacheId ??= this.#xy.toString('hex');
    return this.#cacheId;
  }

  toBytes(options: Sm2PublicKeyBytesOptions = { compressed: false }): Buffer {
    if (options.compressed) {
      return Buffer.concat([
        Buffer.from([(this.y & 1n) === 1n ? 0x03 : 0x02]),
        this.#xy.subarray(0, FIELD_BYTES),
      ]);
    }
    return Buffer.concat([Buffer.from([0x04]), this.#xy]);
  }

  toHex(options: Sm2PublicKeyBytesOptions = { compressed: false }): string {
    return this.toBytes(options).toString('hex');
  }

  toSpkiDer(): Buffer {
    return encodeSpki(this.toBytes());
  }

  toPem(): string {
    return pemEncode('PUBLIC KEY', this.toSpkiDer());
  }

  equals(other: Sm2PublicKey): boolean {
    return other instanceof Sm2PublicKey && this.x === other.x && this.y === other.y;
  }
}

interface PrivateMaterial {
  d: bigint;
  /** (1 + d)⁻¹ mod n, needed by every signature. */
  dPlusOneInverse: bigint;
  /** Native ECDH context holding d, created on first decryption (OpenSSL's constant-time ladder). */
  ecdh?: ECDH;
}

// Private material lives outside the object so it cannot leak through enumeration, JSON or util.inspect.
const secrets = new WeakMap<Sm2PrivateKey, PrivateMaterial>();

/** An SM2 private key d with 1 ≤ d ≤ n − 2 (GB/T 32918.1 §6.1) and its public key. */
export class Sm2PrivateKey {
  readonly publicKey: Sm2PublicKey;

  private constructor(d: bigint, expectedPublicPoint?: Buffer) {
    if (d < 1n || d > N - 2n) {
      throw new GmCryptoError('INVALID_PRIVATE_KEY', 'private key is out of range [1, n-2]');
    }
    const point = multiplyGenerator(d);
    this.publicKey = Sm2PublicKey.fromCoordinates(point.x, point.y);
    if (
      expectedPublicPoint !== undefined &&
      !Sm2PublicKey.fromBytes(expectedPublicPoint).equals(this.publicKey)
    ) {
      throw new GmCryptoError('BAD_KEY_ENCODING', 'embedded public key does not match the private key');
    }
    secrets.set(this, { d, dPlusOneInverse: invModBlinded(d + 1n, N) });
  }

  /** A fresh key from the platform CSPRNG (rejection sampling, no modular bias). */
  static generate(): Sm2PrivateKey {
    for (;;) {
      const d = bigintFromBytes(randomBytes(FIELD_BYTES));
      if (d >= 1n && d <= N - 2n) return new Sm2PrivateKey(d);
    }
  }

  /** 32-byte big-endian scalar. */
  static fromBytes(bytes: Uint8Array): Sm2PrivateKey {
    const buf = requireBytes(bytes, 'private key');
    if (buf.length !== FIELD_BYTES) {
      throw new GmCryptoError(
        'BAD_KEY_LENGTH',
        `SM2 private key must be ${FIELD_BYTES} bytes, got ${buf.length}`,
      );
    }
    return new Sm2PrivateKey(bigintFromBytes(buf));
  }

  static fromHex(hex: string): Sm2PrivateKey {
    return Sm2PrivateKey.fromBytes(hexToBytes(hex, 'private key'));
  }

  static fromPkcs8Der(der: Uint8Array): Sm2PrivateKey {
    const decoded = decodePkcs8(requireBytes(der, 'PKCS#8'));
    return new Sm2PrivateKey(bigintFromBytes(decoded.scalar), decoded.publicPoint);
  }

  static fromPem(pem: string): Sm2PrivateKey {
    return Sm2PrivateKey.fromPkcs8Der(pemDecode(pem, 'PRIVATE KEY'));
  }

  /** Exports the secret scalar (32 bytes). */
  toBytes(): Buffer {
    return bigintToBytes(material(this).d, FIELD_BYTES);
  }

  toHex(): string {
    return this.toBytes().toString('hex');
  }

  toPkcs8Der(): Buffer {
    return encodePkcs8(this.toBytes(), this.publicKey.toBytes());
  }

  toPem(): string {
    return pemEncode('PRIVATE KEY', this.toPkcs8Der());
  }

  toJSON(): string {
    return '[Sm2PrivateKey]';
  }

  [inspect.custom](): string {
    return `Sm2PrivateKey { publicKey: ${this.publicKey.toHex()} }`;
  }
}

/** @internal not exported from the package: gives sign/decrypt access to the scalar. */
export function material(key: Sm2PrivateKey): PrivateMaterial {
  const m = key instanceof Sm2PrivateKey ? secrets.get(key) : undefined;
  if (m === undefined) throw new GmCryptoError('INVALID_PRIVATE_KEY', 'expected an Sm2PrivateKey');
  return m;
}

/** @internal runtime guard for JS callers and mixed-up arguments. */
export function requirePublicKey(key: unknown): Sm2PublicKey {
  if (!(key instanceof Sm2PublicKey)) throw new GmCryptoError('BAD_OPTION', 'expected an Sm2PublicKey');
  return key;
}

/** @internal */
export function nativeEcdh(key: Sm2PrivateKey): ECDH {
  const m = material(key);
  if (m.ecdh === undefined) {
    const ecdh = createECDH('SM2');
    ecdh.setPrivateKey(key.toBytes());
    m.ecdh = ecdh;
  }
  return m.ecdh;
}

function hexToBytes(hex: string, what: string): Buffer {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new GmCryptoError('BAD_KEY_ENCODING', `${what} hex must be an even-length hexadecimal string`);
  }
  return Buffer.from(hex, 'hex');
}
