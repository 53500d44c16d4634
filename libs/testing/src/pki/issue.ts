import { randomBytes, X509Certificate } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  CertificatePaths,
  generateEcKeyPem,
  installPair,
  isSelfSigned,
  pathsFor,
  splitPemCertificates,
  withWorkDir,
  writeKeyFile,
} from './certificate-files';
import { runOpenssl } from './openssl';
import { PkiError } from './pki-error';

export const DEFAULT_CA_VALIDITY_DAYS = 3650;
export const DEFAULT_LEAF_VALIDITY_DAYS = 397;

// Names end up in file names, in a subject and in DNS SANs: a DNS label keeps all three safe.
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Written into an openssl config file: no newlines, no `$` expansion, no section brackets.
const COMMON_NAME = /^[\w .()-]{1,64}$/;
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function assertValidName(name: string): void {
  if (!NAME.test(name)) {
    throw new PkiError(`certificate name "${name}" must be a lower-case DNS label (a-z, 0-9, inner dashes)`);
  }
}

function sanEntry(value: string): string {
  if (isIP(value)) return `IP:${value}`;
  if (DNS_NAME.test(value)) return `DNS:${value}`;
  throw new PkiError(`subject alternative name "${value}" is neither an IP address nor a DNS name`);
}

function serialArg(): string {
  // 128 random bits with the top bit clear: a positive serial, unique in practice.
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return `0x${bytes.toString('hex')}`;
}

// A service identity URI: spiffe://<trust domain>/<path>, as SPIFFE's X.509-SVID defines it.
const SPIFFE_URI = /^spiffe:\/\/[a-z0-9.-]{1,255}(?:\/[a-z0-9._-]+)+$/;

/** Extensions of a CA certificate that may sign CAs `pathLen` levels deep (0: leaves only). */
const caExtensions = (pathLen: number, signedByParent: boolean) => [
  '[ca_ext]',
  `basicConstraints = critical, CA:TRUE, pathlen:${pathLen}`,
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
  ...(signedByParent ? ['authorityKeyIdentifier = keyid:always'] : []),
];

const leafExtensions = (sans: readonly string[]) => [
  '[leaf_ext]',
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth, clientAuth',
  `subjectAltName = ${sans.join(', ')}`,
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid:always',
];

/** An openssl config file for one request: the subject, and the extensions section named in the command. */
function opensslConfig(commonName: string, extensions: readonly string[]): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    `CN = ${commonName}`,
    ...extensions,
    '',
  ].join('\n');
}

export interface CreateCaOptions {
  dir: string;
  /** File stem: `<name>.key` / `<name>.crt`. */
  name: string;
  commonName: string;
  days?: number;
  /** How many CA levels it may sign below itself (basicConstraints pathlen): 0 (default) signs leaves only. */
  pathLen?: number;
  /** The CA that signs this one (an intermediate); omitted: self-signed (a root). */
  issuer?: CertificatePaths;
}

function assertValidCommonName(commonName: string): void {
  if (!COMMON_NAME.test(commonName)) {
    throw new PkiError(`CA common name "${commonName}" may hold letters, digits, spaces and . _ ( ) - only`);
  }
}

/**
 * An ECDSA P-256 CA: self-signed (a root) or, with `issuer`, an intermediate signed by it. `<name>.crt` holds
 * the CA's own certificate only. Replaces existing files.
 */
export async function createCa(options: CreateCaOptions): Promise<CertificatePaths> {
  assertValidName(options.name);
  assertValidCommonName(options.commonName);
  const pathLen = options.pathLen ?? 0;
  if (!Number.isInteger(pathLen) || pathLen < 0 || pathLen > 8) {
    throw new PkiError(`CA path length ${pathLen} must be an integer from 0 to 8`);
  }
  const { issuer } = options;
  const days = String(options.days ?? DEFAULT_CA_VALIDITY_DAYS);
  const target = pathsFor(options.dir, options.name);
  await withWorkDir(options.dir, async (work) => {
    const staged = pathsFor(work, options.name);
    const config = join(work, 'ca.cnf');
    await writeFile(config, opensslConfig(options.commonName, caExtensions(pathLen, !!issuer)));
    await writeKeyFile(staged.keyPath, await generateEcKeyPem());
    if (!issuer) {
      await runOpenssl(['req', '-x509', '-new', '-sha256'], {
        '-config': config,
        '-extensions': 'ca_ext',
        '-key': staged.keyPath,
        '-days': days,
        '-set_serial': serialArg(),
        '-out': staged.certPath,
      });
    } else {
      const csr = join(work, `${options.name}.csr`);
      await runOpenssl(['req', '-new', '-sha256'], {
        '-config': config,
        '-key': staged.keyPath,
        '-out': csr,
      });
      await runOpenssl(['x509', '-req', '-sha256'], {
        '-in': csr,
        '-CA': issuer.certPath,
        '-CAkey': issuer.keyPath,
        '-set_serial': serialArg(),
        '-days': days,
        '-extfile': config,
        '-extensions': 'ca_ext',
        '-out': staged.certPath,
      });
    }
    await installPair(staged, target);
  });
  return target;
}

export interface IssueCertificateOptions {
  dir: string;
  /** Becomes the subject CN, the first DNS SAN and the file stem. */
  name: string;
  /** The issuing CA's key and certificate. */
  ca: CertificatePaths;
  days?: number;
  /** More SANs after `DNS:<name>, DNS:localhost, IP:127.0.0.1, IP:::1` (DNS names or IP addresses). */
  extraSans?: readonly string[];
  /** A URI SAN naming the workload, e.g. `spiffe://wxpay/payment` (see spiffeId); put first among the SANs. */
  uri?: string;
}

/**
 * Issues a certificate usable both as a TLS server and as a TLS client (serverAuth + clientAuth), with
 * CN=<name> and SANs DNS:<name>, DNS:localhost, IP:127.0.0.1 and IP:::1 (and the `uri`, when given). Always
 * issues a new key and certificate, replacing existing files of that name. When the CA is an intermediate (not
 * self-signed), `<name>.crt` holds the leaf followed by the CA's certificate: the chain a peer that trusts only
 * the root needs.
 */
export async function issueCertificate(options: IssueCertificateOptions): Promise<CertificatePaths> {
  const { dir, name, ca, uri } = options;
  assertValidName(name);
  if (uri !== undefined && !SPIFFE_URI.test(uri)) {
    throw new PkiError(`URI SAN "${uri}" must be a spiffe://<trust domain>/<path> ID in lower case`);
  }
  const standardSans = [`DNS:${name}`, 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];
  const sans = [
    ...new Set([...(uri ? [`URI:${uri}`] : []), ...standardSans, ...(options.extraSans ?? []).map(sanEntry)]),
  ];
  const issuerChain = await chainBelowRoot(ca);
  const target = pathsFor(dir, name);
  await withWorkDir(dir, async (work) => {
    const staged = pathsFor(work, name);
    const config = join(work, 'leaf.cnf');
    const csr = join(work, `${name}.csr`);
    await writeFile(config, opensslConfig(name, leafExtensions(sans)));
    await writeKeyFile(staged.keyPath, await generateEcKeyPem());
    await runOpenssl(['req', '-new', '-sha256'], { '-config': config, '-key': staged.keyPath, '-out': csr });
    await runOpenssl(['x509', '-req', '-sha256'], {
      '-in': csr,
      '-CA': ca.certPath,
      '-CAkey': ca.keyPath,
      '-set_serial': serialArg(),
      '-days': String(options.days ?? DEFAULT_LEAF_VALIDITY_DAYS),
      '-extfile': config,
      '-extensions': 'leaf_ext',
      '-out': staged.certPath,
    });
    if (issuerChain) await appendFile(staged.certPath, issuerChain);
    await installPair(staged, target);
  });
  return target;
}

/**
 * What a leaf issued by `ca` must carry after itself: the CA's certificate file when the CA is an intermediate,
 * nothing when it is a root (peers hold the root; sending it proves nothing).
 */
async function chainBelowRoot(ca: CertificatePaths): Promise<string | undefined> {
  const pem = await readFile(ca.certPath, 'utf8').catch(() => {
    throw new PkiError(`cannot read the issuing CA certificate ${ca.certPath}`);
  });
  const [own] = splitPemCertificates(pem);
  if (!own) throw new PkiError(`${ca.certPath} holds no certificate`);
  return isSelfSigned(new X509Certificate(own)) ? undefined : pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** A second, unrelated CA in `dir` (default files `foreign-ca.key/.crt`), for "wrong CA" tests. */
export function createForeignCa(dir: string, name = 'foreign-ca'): Promise<CertificatePaths> {
  return createCa({ dir, name, commonName: `${name} (foreign test CA)` });
}
