import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CertificatePaths,
  commonName,
  ensureKeyMode,
  loadPair,
  pathsFor,
  validForAtLeast,
} from './certificate-files';
import { withDirectoryLock } from './directory-lock';
import {
  assertValidName,
  createCa,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_LEAF_VALIDITY_DAYS,
  issueCertificate,
} from './issue';
import { PkiError } from './pki-error';

export const CA_NAME = 'ca';
export const DEV_CA_COMMON_NAME = 'wxpay-gateway dev CA';
/** Certificates closer than this to expiry are renewed, so a long test run or demo never crosses an expiry. */
export const RENEW_WITHIN_DAYS = 30;

export interface EnsureDevPkiOptions {
  /** Created if missing (mode 0700). */
  dir: string;
  /** One certificate per name: CN=<name>, SANs DNS:<name>, DNS:localhost, IP:127.0.0.1, IP:::1. */
  services: readonly string[];
}

export interface DevPki {
  dir: string;
  ca: CertificatePaths;
  services: Record<string, CertificatePaths>;
  /** What this call (re)generated: `ca` and/or service names; empty when every file was reused. */
  generated: string[];
}

async function usableCa(paths: CertificatePaths): Promise<X509Certificate | undefined> {
  const pair = await loadPair(paths);
  if (!pair || !pair.cert.ca || !pair.cert.checkPrivateKey(pair.key)) return undefined;
  if (!validForAtLeast(pair.cert, RENEW_WITHIN_DAYS)) return undefined;
  return pair.cert;
}

async function usableLeaf(paths: CertificatePaths, ca: X509Certificate): Promise<boolean> {
  const pair = await loadPair(paths);
  if (!pair) return false;
  const { cert, key } = pair;
  return (
    cert.checkPrivateKey(key) &&
    cert.checkIssued(ca) &&
    cert.verify(ca.publicKey) &&
    validForAtLeast(cert, RENEW_WITHIN_DAYS) &&
    commonName(cert) === paths.name &&
    cert.checkHost(paths.name, { wildcards: false }) === paths.name &&
    cert.checkHost('localhost', { wildcards: false }) === 'localhost' &&
    cert.checkIP('127.0.0.1') === '127.0.0.1'
  );
}

/**
 * Makes sure `dir` holds a dev CA (`ca.key`, `ca.crt`) and one certificate per service (`<name>.key`,
 * `<name>.crt`), usable for mutual TLS both ways. Idempotent: files that are present, parse, match their key,
 * chain to the current CA, carry the right names and stay valid for 30 more days are reused; anything else is
 * regenerated, and a new CA means every service certificate is reissued. Keys are ECDSA P-256 and mode 0600.
 */
export async function ensureDevPki(options: EnsureDevPkiOptions): Promise<DevPki> {
  const dir = resolve(options.dir);
  const names = [...new Set(options.services)];
  names.forEach(assertValidName);
  if (names.includes(CA_NAME)) throw new PkiError(`"${CA_NAME}" is reserved for the CA's own files`);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  return withDirectoryLock(dir, async () => {
    const generated: string[] = [];
    const caPaths = pathsFor(dir, CA_NAME);
    let ca = await usableCa(caPaths);
    if (!ca) {
      await createCa({ dir, name: CA_NAME, commonName: DEV_CA_COMMON_NAME, days: DEFAULT_CA_VALIDITY_DAYS });
      ca = new X509Certificate(await readFile(caPaths.certPath));
      generated.push(CA_NAME);
    }
    await ensureKeyMode(caPaths.keyPath);

    const services: Record<string, CertificatePaths> = {};
    for (const name of names) {
      const paths = pathsFor(dir, name);
      if (!(await usableLeaf(paths, ca))) {
        await issueCertificate({ dir, name, ca: caPaths, days: DEFAULT_LEAF_VALIDITY_DAYS });
        generated.push(name);
      }
      await ensureKeyMode(paths.keyPath);
      services[name] = paths;
    }
    return { dir, ca: caPaths, services, generated };
  });
}

/** PEM contents for node:tls options or grpc-js credentials (`credentials.createSsl(ca, key, cert)`). */
export interface TlsMaterial {
  ca: Buffer;
  key: Buffer;
  cert: Buffer;
}

export async function readTlsMaterial(
  ca: CertificatePaths,
  identity: CertificatePaths,
): Promise<TlsMaterial> {
  const [caPem, key, cert] = await Promise.all([
    readFile(ca.certPath),
    readFile(identity.keyPath),
    readFile(identity.certPath),
  ]);
  return { ca: caPem, key, cert };
}
