import { GmCryptoError } from '../errors/gm-crypto-error';
import { encodeTlv, expectTlv, readSingle, readTlv, TAG } from './der';

/**
 * SubjectPublicKeyInfo (RFC 5280) and PKCS#8 (RFC 5208/5958) wrappers for SM2 keys, in the form OpenSSL and
 * BouncyCastle produce: algorithm id-ecPublicKey with the sm2p256v1 named curve. The variant some GM toolkits
 * emit (algorithm = the SM2 OID itself) is accepted on import.
 */
const OID_EC_PUBLIC_KEY = Buffer.from('2a8648ce3d0201', 'hex'); // 1.2.840.10045.2.1
const OID_SM2_CURVE = Buffer.from('2a811ccf5501822d', 'hex'); // 1.2.156.10197.1.301
const CODE = 'BAD_KEY_ENCODING';

const ALGORITHM_ID = encodeTlv(
  TAG.SEQUENCE,
  encodeTlv(TAG.OID, OID_EC_PUBLIC_KEY),
  encodeTlv(TAG.OID, OID_SM2_CURVE),
);

function fail(why: string): never {
  throw new GmCryptoError(CODE, why);
}

function checkAlgorithm(seq: Buffer): void {
  const alg = expectTlv(seq, 0, TAG.OID, CODE, 'algorithm OID');
  if (alg.value.equals(OID_SM2_CURVE)) return;
  if (!alg.value.equals(OID_EC_PUBLIC_KEY)) fail('not an elliptic-curve key');
  const params = readTlv(seq, alg.end, CODE);
  if (params.tag !== TAG.OID || !params.value.equals(OID_SM2_CURVE)) fail('not an SM2 (sm2p256v1) key');
  if (params.end !== seq.length) fail('unexpected data in the algorithm identifier');
}

export function encodeSpki(sec1Point: Buffer): Buffer {
  return encodeTlv(TAG.SEQUENCE, ALGORITHM_ID, encodeTlv(TAG.BIT_STRING, Buffer.from([0]), sec1Point));
}

/** Returns the SEC1-encoded point carried in the BIT STRING. */
export function decodeSpki(der: Buffer): Buffer {
  const outer = readSingle(der, TAG.SEQUENCE, CODE, 'SubjectPublicKeyInfo');
  const alg = expectTlv(outer.value, 0, TAG.SEQUENCE, CODE, 'AlgorithmIdentifier');
  checkAlgorithm(alg.value);
  const bits = expectTlv(outer.value, alg.end, TAG.BIT_STRING, CODE, 'BIT STRING');
  if (bits.end !== outer.value.length) fail('trailing data in SubjectPublicKeyInfo');
  if (bits.value.length < 2 || bits.value[0] !== 0) fail('malformed public key BIT STRING');
  return bits.value.subarray(1);
}

export function encodePkcs8(privateScalar32: Buffer, sec1Point: Buffer): Buffer {
  const ecPrivateKey = encodeTlv(
    TAG.SEQUENCE,
    encodeTlv(TAG.INTEGER, Buffer.from([1])),
    encodeTlv(TAG.OCTET_STRING, privateScalar32),
    encodeTlv(TAG.CONTEXT_1, encodeTlv(TAG.BIT_STRING, Buffer.from([0]), sec1Point)),
  );
  return encodeTlv(
    TAG.SEQUENCE,
    encodeTlv(TAG.INTEGER, Buffer.from([0])),
    ALGORITHM_ID,
    encodeTlv(TAG.OCTET_STRING, ecPrivateKey),
  );
}

export interface DecodedPrivateKey {
  /** Big-endian private scalar, at most 32 bytes. */
  scalar: Buffer;
  /** SEC1 public point if the encoding carried one (it must then match the scalar). */
  publicPoint?: Buffer;
}

export function decodePkcs8(der: Buffer): DecodedPrivateKey {
  const outer = readSingle(der, TAG.SEQUENCE, CODE, 'PrivateKeyInfo');
  const version = expectTlv(outer.value, 0, TAG.INTEGER, CODE, 'version');
  if (version.value.length !== 1 || version.value[0] > 1) fail('unsupported PKCS#8 version');
  const alg = expectTlv(outer.value, version.end, TAG.SEQUENCE, CODE, 'AlgorithmIdentifier');
  checkAlgorithm(alg.value);
  const wrapped = expectTlv(outer.value, alg.end, TAG.OCTET_STRING, CODE, 'privateKey OCTET STRING');
  // Optional attributes [0] / public key [1] of OneAsymmetricKey after this are ignored.
  const ec = readSingle(wrapped.value, TAG.SEQUENCE, CODE, 'ECPrivateKey');
  const ecVersion = expectTlv(ec.value, 0, TAG.INTEGER, CODE, 'ECPrivateKey version');
  if (ecVersion.value.length !== 1 || ecVersion.value[0] !== 1) fail('unsupported ECPrivateKey version');
  const scalar = expectTlv(ec.value, ecVersion.end, TAG.OCTET_STRING, CODE, 'private key OCTET STRING');
  if (scalar.value.length === 0 || scalar.value.length > 32) fail('private key must be at most 32 bytes');
  let offset = scalar.end;
  let publicPoint: Buffer | undefined;
  while (offset < ec.value.length) {
    const field = readTlv(ec.value, offset, CODE);
    if (field.tag === TAG.CONTEXT_0) {
      const curve = readSingle(field.value, TAG.OID, CODE, 'curve parameters');
      if (!curve.value.equals(OID_SM2_CURVE)) fail('ECPrivateKey parameters name another curve');
    } else if (field.tag === TAG.CONTEXT_1) {
      const bits = readSingle(field.value, TAG.BIT_STRING, CODE, 'public key');
      if (bits.value.length < 2 || bits.value[0] !== 0) fail('malformed public key BIT STRING');
      publicPoint = bits.value.subarray(1);
    } else {
      fail('unexpected field in ECPrivateKey');
    }
    offset = field.end;
  }
  return { scalar: Buffer.from(scalar.value), publicPoint };
}

export type PemLabel = 'PUBLIC KEY' | 'PRIVATE KEY';

export function pemEncode(label: PemLabel, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function pemDecode(pem: string, label: PemLabel): Buffer {
  if (typeof pem !== 'string') fail('PEM input must be a string');
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) fail(`expected a PEM block labelled "${label}"`);
  const body = match[1].replace(/\s+/g, '');
  const der = Buffer.from(body, 'base64');
  if (der.length === 0 || der.toString('base64') !== body) fail('PEM body is not valid base64');
  return der;
}
