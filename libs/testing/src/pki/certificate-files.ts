import { generateKeyPair, X509Certificate, createPrivateKey, KeyObject } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where one identity's private key and certificate live. */
export interface CertificatePaths {
  name: string;
  keyPath: string;
  certPath: string;
}

export const KEY_FILE_MODE = 0o600;
const DAY_MS = 24 * 60 * 60 * 1000;

export function pathsFor(dir: string, name: string): CertificatePaths {
  return { name, keyPath: join(dir, `${name}.key`), certPath: join(dir, `${name}.crt`) };
}

/** A fresh ECDSA P-256 private key, PKCS#8 PEM. */
export function generateEcKeyPem(): Promise<string> {
  return new Promise((resolve, reject) =>
    generateKeyPair(
      'ec',
      {
        namedCurve: 'prime256v1',
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      },
      (err, _publicKey, privateKey) => (err ? reject(err) : resolve(privateKey)),
    ),
  );
}

/** A private scratch directory inside `dir`, so finished files can be renamed into place atomically. */
export async function withWorkDir<T>(dir: string, work: (workDir: string) => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const workDir = await mkdtemp(join(dir, '.work-'));
  try {
    return await work(workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export async function writeKeyFile(path: string, pem: string): Promise<void> {
  await writeFile(path, pem, { mode: KEY_FILE_MODE });
  // writeFile's mode is filtered by the umask and ignored for an existing file; make it exact.
  await chmod(path, KEY_FILE_MODE);
}

/** Moves a finished key/certificate pair from the scratch directory to its final paths, key first. */
export async function installPair(from: CertificatePaths, to: CertificatePaths): Promise<void> {
  await rename(from.keyPath, to.keyPath);
  await rename(from.certPath, to.certPath);
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificate blocks of a file, in order (a leaf file may carry its issuing chain after the leaf). */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(PEM_CERTIFICATE) ?? [];
}

/** Issuer and subject are the same and the certificate verifies with its own key: a root. */
export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

export interface LoadedPair {
  cert: X509Certificate;
  key: KeyObject;
  /** The certificates after the first in the certificate file (the chain a leaf presents), in order. */
  chain: X509Certificate[];
}

/** Reads and parses a pair; undefined when either file is missing or unreadable as PEM. */
export async function loadPair(paths: CertificatePaths): Promise<LoadedPair | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(paths.certPath, 'utf8'), readFile(paths.keyPath)]);
    const [first, ...rest] = splitPemCertificates(certPem);
    if (!first) return undefined;
    return {
      cert: new X509Certificate(first),
      key: createPrivateKey(keyPem),
      chain: rest.map((c) => new X509Certificate(c)),
    };
  } catch {
    return undefined;
  }
}

/** True when the certificate is already valid and stays valid for at least `days` more days. */
export function validForAtLeast(cert: X509Certificate, days: number, now = Date.now()): boolean {
  return Date.parse(cert.validFrom) <= now && Date.parse(cert.validTo) - now >= days * DAY_MS;
}

/** The subject's common name, e.g. `payment` for `CN=payment`. */
export function commonName(cert: X509Certificate): string | undefined {
  const line = cert.subject.split('\n').find((l) => l.startsWith('CN='));
  return line?.slice(3);
}

/** Tightens a key file's mode if someone loosened it; keys stay 0600 even when reused. */
export async function ensureKeyMode(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o777) !== KEY_FILE_MODE) await chmod(path, KEY_FILE_MODE);
}
