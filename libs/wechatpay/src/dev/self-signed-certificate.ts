import { randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  nullValue,
  octetString,
  oid,
  printableString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der';

export interface SelfSignedCertificateOptions {
  readonly commonName: string;
  readonly organization?: string;
  /** RSA key pair; the certificate is self-signed with the private key. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** 40 hex characters; random by default. */
  readonly serialHex?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface SelfSignedCertificate {
  readonly pem: string;
  /** Upper-case hex, as `X509Certificate.serialNumber` and WeChat's consoles print it. */
  readonly serial: string;
}

const SHA256_WITH_RSA = oid('1.2.840.113549.1.1.11');
const FIVE_YEARS_MS = 5 * 365 * 24 * 3600 * 1000;

/** 20 random bytes, first byte in 0x10–0x7f: positive, no leading zero, always 40 hex characters. */
export function randomCertificateSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = 0x10 + (bytes[0] % 0x70);
  return bytes.toString('hex').toUpperCase();
}

/**
 * DEV AND TEST ONLY: a self-signed RSA/SHA-256 X.509 v3 certificate, built with Node's crypto and a tiny DER
 * encoder because Node can parse certificates but not issue them. The simulator's platform certificates and
 * test fixtures use it; production certificates come from WeChat Pay.
 */
export function createSelfSignedCertificate(options: SelfSignedCertificateOptions): SelfSignedCertificate {
  const serial = (options.serialHex ?? randomCertificateSerial()).toUpperCase();
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + FIVE_YEARS_MS);
  const name = sequence(
    set(sequence(oid('2.5.4.6'), printableString('CN'))),
    set(sequence(oid('2.5.4.10'), utf8String(options.organization ?? 'wxpay-gateway dev'))),
    set(sequence(oid('2.5.4.3'), utf8String(options.commonName))),
  );
  const algorithm = sequence(SHA256_WITH_RSA, nullValue());
  const extensions = explicit(
    3,
    sequence(
      sequence(oid('2.5.29.19'), boolean(true), octetString(sequence())), // basicConstraints: not a CA
      sequence(oid('2.5.29.15'), boolean(true), octetString(bitString(Buffer.from([0xa0]), 5))), // sign + encipher
    ),
  );
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(Buffer.from(serial, 'hex')),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    options.publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, options.privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return { pem: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`, serial };
}
