import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevPki, readTlsMaterial } from './dev-pki';
import { createForeignCa, issueCertificate } from './issue';
import { PkiError } from './pki-error';
import { exchange, startMutualTlsServer } from './tls-test-harness';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('ensureDevPki', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxpay-pki-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a CA and per-service ECDSA P-256 certificates for both TLS roles, keys mode 0600', async () => {
    const pki = await ensureDevPki({ dir, services: ['payment', 'tokenization'] });
    expect(pki.generated).toEqual(['ca', 'payment', 'tokenization']);
    const ca = new X509Certificate(await readFile(pki.ca.certPath));
    expect(ca.ca).toBe(true);

    for (const name of ['payment', 'tokenization']) {
      const paths = pki.services[name];
      const cert = new X509Certificate(await readFile(paths.certPath));
      expect(cert.subject).toBe(`CN=${name}`);
      expect(cert.subjectAltName).toContain(`DNS:${name}`);
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
      expect(cert.ca).toBe(false);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect((await stat(paths.keyPath)).mode & 0o777).toBe(0o600);
    }
    expect((await stat(pki.ca.keyPath)).mode & 0o777).toBe(0o600);
  });

  it('performs a TLS 1.3 mutual-auth handshake between two issued certificates', async () => {
    const pki = await ensureDevPki({ dir, services: ['payment', 'tokenization'] });
    const server = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization));
    try {
      const client = await readTlsMaterial(pki.ca, pki.services.payment);
      const byIp = await exchange(server.port, client);
      expect(byIp).toMatchObject({ reply: 'echo:ping', protocol: 'TLSv1.3', serverCN: 'tokenization' });
      const byName = await exchange(server.port, { ...client, servername: 'tokenization' });
      expect(byName.reply).toBe('echo:ping');
      expect(server.acceptedClients).toEqual(['payment', 'payment']);
    } finally {
      await server.close();
    }
  });

  it('refuses a client whose certificate comes from another CA, or that has none', async () => {
    const pki = await ensureDevPki({ dir, services: ['tokenization'] });
    const foreignCa = await createForeignCa(dir);
    const intruder = await issueCertificate({ dir, name: 'intruder', ca: foreignCa });
    const server = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization));
    try {
      const { key, cert } = await readTlsMaterial(foreignCa, intruder);
      const ca = await readFile(pki.ca.certPath); // the intruder trusts our CA, so only its own cert is wrong
      const foreign = await exchange(server.port, { ca, key, cert });
      expect(foreign.reply).toBeUndefined();
      const anonymous = await exchange(server.port, { ca });
      expect(anonymous.reply).toBeUndefined();
      // Node drops a client that fails verification after the TLS 1.3 handshake without a distinct server
      // event, so "refused" is observed as: no secure connection accepted, no reply received.
      expect(server.acceptedClients).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('issues extra certificates from the dev CA that the server accepts but can tell apart by CN', async () => {
    const pki = await ensureDevPki({ dir, services: ['tokenization'] });
    const extra = await issueCertificate({ dir, name: 'unlisted-caller', ca: pki.ca });
    const server = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization));
    try {
      expect((await exchange(server.port, await readTlsMaterial(pki.ca, extra))).reply).toBe('echo:ping');
      expect(server.acceptedClients).toEqual(['unlisted-caller']);
    } finally {
      await server.close();
    }
  });

  it('reuses valid files on the next call and regenerates only what is missing or broken', async () => {
    const first = await ensureDevPki({ dir, services: ['payment', 'risk'] });
    const before = await readFile(first.services.payment.certPath);

    const second = await ensureDevPki({ dir, services: ['payment', 'risk'] });
    expect(second.generated).toEqual([]);
    expect(second.services).toEqual(first.services);
    expect(await readFile(second.services.payment.certPath)).toEqual(before);

    await unlink(first.services.risk.keyPath);
    expect((await ensureDevPki({ dir, services: ['payment', 'risk'] })).generated).toEqual(['risk']);

    await writeFile(first.ca.certPath, 'not a certificate');
    expect((await ensureDevPki({ dir, services: ['payment', 'risk'] })).generated).toEqual([
      'ca',
      'payment',
      'risk',
    ]);
  });

  it('renews a certificate that is about to expire', async () => {
    const pki = await ensureDevPki({ dir, services: ['repayment'] });
    await issueCertificate({ dir, name: 'repayment', ca: pki.ca, days: 1 });
    expect((await ensureDevPki({ dir, services: ['repayment'] })).generated).toEqual(['repayment']);
  });

  it('gives concurrent callers one CA', async () => {
    const [a, b] = await Promise.all([
      ensureDevPki({ dir, services: ['payment'] }),
      ensureDevPki({ dir, services: ['payment'] }),
    ]);
    expect([...a.generated, ...b.generated].filter((g) => g === 'ca')).toHaveLength(1);
    const ca = new X509Certificate(await readFile(a.ca.certPath));
    expect(new X509Certificate(await readFile(a.services.payment.certPath)).verify(ca.publicKey)).toBe(true);
  });

  it('rejects names that are not DNS labels, and the reserved name "ca"', async () => {
    await expect(ensureDevPki({ dir, services: ['../escape'] })).rejects.toThrow(PkiError);
    await expect(ensureDevPki({ dir, services: ['Bad Name'] })).rejects.toThrow(PkiError);
    await expect(ensureDevPki({ dir, services: ['ca'] })).rejects.toThrow(/reserved/);
  });
});
