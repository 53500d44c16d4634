import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { splitPemCertificates } from './certificate-files';
import { ensureDevPki, spiffeId } from './dev-pki';
import { createCa, issueCertificate } from './issue';
import { PkiError } from './pki-error';

// Real openssl processes (and, for the CLI, a Node process compiling TypeScript) per test: on a busy two-core CI
// machine that takes far longer than Jest's 5 s default, without anything being wrong.
jest.setTimeout(60_000);

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const run = promisify(execFile);

async function certificatesIn(file: string): Promise<X509Certificate[]> {
  return splitPemCertificates(await readFile(file, 'utf8')).map((pem) => new X509Certificate(pem));
}

/** The openssl CLI's own RFC 5280 path validation (path length, key usage, purpose), as TLS peers do it. */
async function opensslVerifies(trusted: string, certFile: string, purpose: 'sslclient' | 'sslserver') {
  // -untrusted: the chain carried in the certificate file itself, as a TLS peer would present it.
  const args = ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', trusted, '-untrusted', certFile];
  return run('openssl', [...args, certFile]).then(
    () => true,
    () => false,
  );
}

async function basicConstraints(certFile: string): Promise<string> {
  const { stdout } = await run('openssl', ['x509', '-in', certFile, '-noout', '-ext', 'basicConstraints']);
  return stdout.split('\n')[1]!.trim();
}

describe('ensureDevPki', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxpay-pki-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds root → services CA → services, and a separate counterparty CA → simulators', async () => {
    const pki = await ensureDevPki({
      dir,
      services: ['payment', 'tokenization'],
      simulators: ['unionpay-sim'],
    });
    expect(pki.generated).toEqual(['ca', 'services-ca', 'sim-ca', 'payment', 'tokenization', 'unionpay-sim']);
    const [root, servicesCa, simCa] = await Promise.all(
      [pki.ca, pki.servicesCa, pki.simCa].map(async (p) => (await certificatesIn(p.certPath))[0]!),
    );
    expect(root.subject).toBe('CN=wxpay-gateway dev root CA');
    expect(await basicConstraints(pki.ca.certPath)).toBe('CA:TRUE, pathlen:1');
    expect(servicesCa.subject).toBe('CN=wxpay-gateway dev services CA');
    expect(servicesCa.issuer).toBe(root.subject);
    expect(servicesCa.verify(root.publicKey)).toBe(true);
    expect(await basicConstraints(pki.servicesCa.certPath)).toBe('CA:TRUE, pathlen:0');
    expect(simCa.subject).toBe('CN=wxpay-gateway dev counterparty CA');
    expect(simCa.verify(simCa.publicKey)).toBe(true);
    expect(simCa.verify(root.publicKey)).toBe(false);

    for (const name of ['payment', 'tokenization']) {
      const paths = pki.services[name]!;
      const [leaf, ...chain] = await certificatesIn(paths.certPath);
      expect(leaf!.subject).toBe(`CN=${name}`);
      expect(leaf!.ca).toBe(false);
      expect(leaf!.subjectAltName).toBe(
        `URI:${spiffeId(name)}, DNS:${name}, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1`,
      );
      expect(leaf!.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
      expect(leaf!.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(leaf!.verify(servicesCa.publicKey)).toBe(true);
      expect(leaf!.verify(root.publicKey)).toBe(false);
      // The file carries the chain a peer that trusts only the root needs: the leaf, then the services CA.
      expect(chain.map((c) => c.fingerprint256)).toEqual([servicesCa.fingerprint256]);
      expect(await opensslVerifies(pki.ca.certPath, paths.certPath, 'sslclient')).toBe(true);
      expect(await opensslVerifies(pki.ca.certPath, paths.certPath, 'sslserver')).toBe(true);
      expect((await stat(paths.keyPath)).mode & 0o777).toBe(0o600);
    }

    const sim = pki.simulators['unionpay-sim']!;
    const [simLeaf, ...simChain] = await certificatesIn(sim.certPath);
    expect(simLeaf!.subject).toBe('CN=unionpay-sim');
    expect(simLeaf!.subjectAltName).toBe(
      'DNS:unionpay-sim, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(simChain).toEqual([]);
    expect(simLeaf!.verify(simCa.publicKey)).toBe(true);
    expect(await opensslVerifies(pki.simCa.certPath, sim.certPath, 'sslserver')).toBe(true);
    // No service accepts it as a caller: it does not chain to the root they trust.
    expect(await opensslVerifies(pki.ca.certPath, sim.certPath, 'sslclient')).toBe(false);
    // And a client of a simulator that trusts the counterparty CA does not take a service for the simulator.
    expect(await opensslVerifies(pki.simCa.certPath, pki.services.payment!.certPath, 'sslserver')).toBe(
      false,
    );

    for (const p of [pki.ca, pki.servicesCa, pki.simCa, sim]) {
      expect((await stat(p.keyPath)).mode & 0o777).toBe(0o600);
    }
  });

  it('reuses valid files on the next call and regenerates only what is missing or broken', async () => {
    const opts = { dir, services: ['payment', 'risk'], simulators: ['unionpay-sim'] };
    const first = await ensureDevPki(opts);
    const before = await readFile(first.services.payment!.certPath);

    const second = await ensureDevPki(opts);
    expect(second.generated).toEqual([]);
    expect(second.services).toEqual(first.services);
    expect(second.simulators).toEqual(first.simulators);
    expect(await readFile(second.services.payment!.certPath)).toEqual(before);

    await unlink(first.services.risk!.keyPath);
    expect((await ensureDevPki(opts)).generated).toEqual(['risk']);
  });

  it('reissues everything a new root signed, and only that', async () => {
    const opts = { dir, services: ['payment', 'risk'], simulators: ['unionpay-sim'] };
    const first = await ensureDevPki(opts);
    await writeFile(first.ca.certPath, 'not a certificate');
    expect((await ensureDevPki(opts)).generated).toEqual(['ca', 'services-ca', 'payment', 'risk']);
  });

  it('reissues the services when their CA is replaced, and the simulators when theirs is', async () => {
    const opts = { dir, services: ['payment'], simulators: ['unionpay-sim', 'wechatpay-sim'] };
    const pki = await ensureDevPki(opts);
    await unlink(pki.servicesCa.keyPath);
    expect((await ensureDevPki(opts)).generated).toEqual(['services-ca', 'payment']);
    await createCa({ dir, name: 'sim-ca', commonName: 'wxpay-gateway dev counterparty CA' });
    expect((await ensureDevPki(opts)).generated).toEqual(['unionpay-sim', 'wechatpay-sim']);
  });

  it('replaces a root that is not the expected one (the earlier single-CA layout)', async () => {
    await createCa({ dir, name: 'ca', commonName: 'wxpay-gateway dev CA' });
    const old = await readFile(join(dir, 'ca.crt'));
    const pki = await ensureDevPki({ dir, services: ['payment'] });
    expect(pki.generated).toEqual(['ca', 'services-ca', 'sim-ca', 'payment']);
    expect(await readFile(pki.ca.certPath)).not.toEqual(old);
  });

  it('reissues a certificate whose chain, URI or issuer does not match', async () => {
    const opts = {
      dir,
      services: ['payment', 'risk', 'repayment'],
      simulators: ['unionpay-sim', 'wechatpay-sim'],
    };
    const pki = await ensureDevPki(opts);
    // payment: the leaf alone, without the services CA after it.
    const [leaf] = splitPemCertificates(await readFile(pki.services.payment!.certPath, 'utf8'));
    await writeFile(pki.services.payment!.certPath, `${leaf}\n`);
    // risk: from the right CA, but without its URI.
    await issueCertificate({ dir, name: 'risk', ca: pki.servicesCa });
    // repayment: another service's URI.
    await issueCertificate({ dir, name: 'repayment', ca: pki.servicesCa, uri: spiffeId('payment') });
    // unionpay-sim: a URI, which would make it a service identity.
    await issueCertificate({ dir, name: 'unionpay-sim', ca: pki.simCa, uri: spiffeId('unionpay-sim') });
    // wechatpay-sim: issued by the services CA instead of the counterparty CA.
    await issueCertificate({ dir, name: 'wechatpay-sim', ca: pki.servicesCa });

    const again = await ensureDevPki(opts);
    expect(again.generated).toEqual(['payment', 'risk', 'repayment', 'unionpay-sim', 'wechatpay-sim']);
    expect((await ensureDevPki(opts)).generated).toEqual([]);
  });

  it('renews a certificate that is about to expire', async () => {
    const pki = await ensureDevPki({ dir, services: ['repayment'] });
    await issueCertificate({
      dir,
      name: 'repayment',
      ca: pki.servicesCa,
      days: 1,
      uri: spiffeId('repayment'),
    });
    expect((await ensureDevPki({ dir, services: ['repayment'] })).generated).toEqual(['repayment']);
  });

  it('gives concurrent callers one CA', async () => {
    const [a, b] = await Promise.all([
      ensureDevPki({ dir, services: ['payment'] }),
      ensureDevPki({ dir, services: ['payment'] }),
    ]);
    expect([...a.generated, ...b.generated].filter((g) => g === 'ca')).toHaveLength(1);
    expect(await opensslVerifies(a.ca.certPath, a.services.payment!.certPath, 'sslclient')).toBe(true);
  });

  it('rejects names that are not DNS labels, reserved names, and a name in both lists', async () => {
    await expect(ensureDevPki({ dir, services: ['../escape'] })).rejects.toThrow(PkiError);
    await expect(ensureDevPki({ dir, services: ['Bad Name'] })).rejects.toThrow(PkiError);
    await expect(ensureDevPki({ dir, simulators: ['Bad Name'], services: [] })).rejects.toThrow(PkiError);
    for (const reserved of ['ca', 'services-ca', 'sim-ca']) {
      await expect(ensureDevPki({ dir, services: [reserved] })).rejects.toThrow(/reserved/);
    }
    await expect(ensureDevPki({ dir, services: ['x'], simulators: ['x'] })).rejects.toThrow(
      /both a service and a simulator/,
    );
  });

  it('refuses a URI SAN that is not a SPIFFE ID', async () => {
    const pki = await ensureDevPki({ dir, services: [] });
    await expect(
      issueCertificate({ dir, name: 'x', ca: pki.servicesCa, uri: 'spiffe://wxpay/x, DNS:evil' }),
    ).rejects.toThrow(/must be a spiffe/);
  });
});
