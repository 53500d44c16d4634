import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CertificatePaths,
  commonName,
  ensureKeyMode,
  isSelfSigned,
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

/** The root: the one trust anchor every service reads as `ca.crt`, for its callers and for the services it calls. */
export const CA_NAME = 'ca';
export const ROOT_CA_COMMON_NAME = 'wxpay-gateway dev root CA';
/** The intermediate under the root that issues every service and caller certificate. */
export const SERVICES_CA_NAME = 'services-ca';
export const SERVICES_CA_COMMON_NAME = 'wxpay-gateway dev services CA';
/**
 * A root of its own, not signed by `ca`, that issues the simulators' certificates: it plays the counterparties'
 * CAs (UnionPay's, Tencent's), which a service trusts only as the server CA of the channel it calls.
 */
export const SIM_CA_NAME = 'sim-ca';
export const SIM_CA_COMMON_NAME = 'wxpay-gateway dev counterparty CA';
/** Certificates closer than this to expiry are renewed, so a long test run or demo never crosses an expiry. */
export const RENEW_WITHIN_DAYS = 30;
export const SPIFFE_TRUST_DOMAIN = 'wxpay';

/** The URI SAN that names a service (or caller) of the cluster: `spiffe://wxpay/<name>`. */
export function spiffeId(name: string): string {
  return `spiffe://${SPIFFE_TRUST_DOMAIN}/${name}`;
}

const RESERVED = [CA_NAME, SERVICES_CA_NAME, SIM_CA_NAME];

export interface EnsureDevPkiOptions {
  /** Created if missing (mode 0700). */
  dir: string;
  /**
   * Services and callers, issued by the services CA: CN=<name>, SANs URI:spiffe://wxpay/<name>, DNS:<name>,
   * DNS:localhost, IP:127.0.0.1, IP:::1; `<name>.crt` holds the leaf and then the services CA.
   */
  services: readonly string[];
  /** Counterparty simulators, issued by the counterparty CA: the same CN and DNS/IP SANs, no URI. */
  simulators?: readonly string[];
}

export interface DevPki {
  dir: string;
  /** The root every service trusts (`ca.crt`). */
  ca: CertificatePaths;
  /** The intermediate that signed the services' certificates (its certificate also ends each `<name>.crt`). */
  servicesCa: CertificatePaths;
  /** The counterparty CA: what a client of a simulator trusts for the simulator's server certificate. */
  simCa: CertificatePaths;
  services: Record<string, CertificatePaths>;
  simulators: Record<string, CertificatePaths>;
  /** What this call (re)generated: CA file stems and/or identity names; empty when every file was reused. */
  generated: string[];
}

interface ExpectedCa {
  commonName: string;
  /** The CA that must have signed it; undefined for a root (self-signed). */
  issuer?: X509Certificate;
}

async function usableCa(paths: CertificatePaths, want: ExpectedCa): Promise<X509Certificate | undefined> {
  const pair = await loadPair(paths);
  if (!pair || !pair.cert.ca || !pair.cert.checkPrivateKey(pair.key) || pair.chain.length > 0)
    return undefined;
  const { cert } = pair;
  if (commonName(cert) !== want.commonName || !validForAtLeast(cert, RENEW_WITHIN_DAYS)) return undefined;
  const signed = want.issuer
    ? !isSelfSigned(cert) && cert.checkIssued(want.issuer) && cert.verify(want.issuer.publicKey)
    : isSelfSigned(cert);
  return signed ? cert : undefined;
}

interface ExpectedLeaf {
  issuer: X509Certificate;
  /** The certificates that must follow the leaf in its file, in order. */
  chain: readonly X509Certificate[];
  /** The one URI SAN it must carry; undefined: it must carry none. */
  uri?: string;
}

/** The URI entries of a certificate's subjectAltName (Node renders them as `URI:<value>`). */
function uriSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4));
}

async function usableLeaf(paths: CertificatePaths, want: ExpectedLeaf): Promise<boolean> {
  const pair = await loadPair(paths);
  if (!pair) return false;
  const { cert, key, chain } = pair;
  const uris = uriSans(cert);
  return (
    !cert.ca &&
    cert.checkPrivateKey(key) &&
    cert.checkIssued(want.issuer) &&
    cert.verify(want.issuer.publicKey) &&
    chain.length === want.chain.length &&
    chain.every((c, i) => c.raw.equals(want.chain[i]!.raw)) &&
    validForAtLeast(cert, RENEW_WITHIN_DAYS) &&
    commonName(cert) === paths.name &&
    cert.checkHost(paths.name, { wildcards: false }) === paths.name &&
    cert.checkHost('localhost', { wildcards: false }) === 'localhost' &&
    cert.checkIP('127.0.0.1') === '127.0.0.1' &&
    cert.checkIP('::1') !== undefined &&
    (want.uri === undefined ? uris.length === 0 : uris.length === 1 && uris[0] === want.uri)
  );
}

function checkNames(services: readonly string[], simulators: readonly string[]): void {
  [...services, ...simulators].forEach(assertValidName);
  const reserved = [...services, ...simulators].filter((n) => RESERVED.includes(n));
  if (reserved.length) {
    throw new PkiError(`"${reserved[0]}" is reserved for a CA's own files (${RESERVED.join(', ')})`);
  }
  const both = services.filter((n) => simulators.includes(n));
  if (both.length) throw new PkiError(`"${both[0]}" cannot be both a service and a simulator`);
}

/**
 * Makes sure `dir` holds the dev PKI, usable for mutual TLS both ways:
 * - `ca` (root, pathlen 1) → `services-ca` (pathlen 0) → one certificate per service, with its SPIFFE URI;
 * - `sim-ca` (a separate root, pathlen 0) → one certificate per simulator, without a URI.
 *
 * Idempotent: files that are present, parse, match their key, were signed by the current CA, carry the right
 * names, URI and chain and stay valid for 30 more days are reused; anything else is regenerated, and a new CA
 * means everything it signed is reissued (a new root: the services CA and every service certificate). Keys are
 * ECDSA P-256 and mode 0600.
 */
export async function ensureDevPki(options: EnsureDevPkiOptions): Promise<DevPki> {
  const dir = resolve(options.dir);
  const serviceNames = [...new Set(options.services)];
  const simulatorNames = [...new Set(options.simulators ?? [])];
  checkNames(serviceNames, simulatorNames);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  return withDirectoryLock(dir, async () => {
    const generated: string[] = [];
    const ensureCa = async (name: string, commonName: string, pathLen: number, issuer?: CertificatePaths) => {
      const paths = pathsFor(dir, name);
      const issuerCert = issuer && new X509Certificate(await readFile(issuer.certPath));
      let cert = await usableCa(paths, { commonName, issuer: issuerCert });
      if (!cert) {
        await createCa({ dir, name, commonName, pathLen, issuer, days: DEFAULT_CA_VALIDITY_DAYS });
        cert = new X509Certificate(await readFile(paths.certPath));
        generated.push(name);
      }
      await ensureKeyMode(paths.keyPath);
      return { paths, cert };
    };
    const root = await ensureCa(CA_NAME, ROOT_CA_COMMON_NAME, 1);
    const servicesCa = await ensureCa(SERVICES_CA_NAME, SERVICES_CA_COMMON_NAME, 0, root.paths);
    const simCa = await ensureCa(SIM_CA_NAME, SIM_CA_COMMON_NAME, 0);

    const ensureLeaves = async (
      names: readonly string[],
      ca: { paths: CertificatePaths; cert: X509Certificate },
      withUri: boolean,
    ) => {
      const issued: Record<string, CertificatePaths> = {};
      // A root never travels in a chain; an intermediate always follows its leaves.
      const chain = isSelfSigned(ca.cert) ? [] : [ca.cert];
      for (const name of names) {
        const paths = pathsFor(dir, name);
        const uri = withUri ? spiffeId(name) : undefined;
        if (!(await usableLeaf(paths, { issuer: ca.cert, chain, uri }))) {
          await issueCertificate({ dir, name, ca: ca.paths, uri, days: DEFAULT_LEAF_VALIDITY_DAYS });
          generated.push(name);
        }
        await ensureKeyMode(paths.keyPath);
        issued[name] = paths;
      }
      return issued;
    };
    const services = await ensureLeaves(serviceNames, servicesCa, true);
    const simulators = await ensureLeaves(simulatorNames, simCa, false);
    return {
      dir,
      ca: root.paths,
      servicesCa: servicesCa.paths,
      simCa: simCa.paths,
      services,
      simulators,
      generated,
    };
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
