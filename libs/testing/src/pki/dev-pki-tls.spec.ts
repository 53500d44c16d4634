import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevPki, ensureDevPki, readTlsMaterial } from './dev-pki';
import { createForeignCa, issueCertificate } from './issue';
import { exchange, startMutualTlsServer } from './tls-test-harness';

// Real openssl processes (and, for the CLI, a Node process compiling TypeScript) per test: on a busy two-core CI
// machine that takes far longer than Jest's 5 s default, without anything being wrong.
jest.setTimeout(60_000);

// Real TLS 1.3 handshakes (node:tls) between certificates of the dev PKI. Node drops a client that fails
// verification after the TLS 1.3 handshake without a distinct server event, so "refused" is observed as: no
// secure connection accepted by the server, no reply received by the client.
describe('dev PKI mutual TLS', () => {
  let dir: string;
  let pki: DevPki;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxpay-pki-tls-'));
    pki = await ensureDevPki({
      dir,
      services: ['payment', 'tokenization'],
      simulators: ['unionpay-sim', 'wechatpay-sim'],
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets two services authenticate each other through the services CA, trusting only the root', async () => {
    const server = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization!));
    try {
      const client = await readTlsMaterial(pki.ca, pki.services.payment!);
      const byIp = await exchange(server.port, client);
      expect(byIp).toMatchObject({ reply: 'echo:ping', protocol: 'TLSv1.3', serverCN: 'tokenization' });
      const byName = await exchange(server.port, { ...client, servername: 'tokenization' });
      expect(byName.reply).toBe('echo:ping');
      expect(server.acceptedClients).toEqual(['payment', 'payment']);
    } finally {
      await server.close();
    }
  });

  it('refuses a simulator certificate as a caller of a service', async () => {
    const server = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization!));
    try {
      for (const sim of ['unionpay-sim', 'wechatpay-sim']) {
        // The simulator trusts the root, so only its own certificate can be the reason it is turned away.
        const { key, cert } = await readTlsMaterial(pki.simCa, pki.simulators[sim]!);
        const result = await exchange(server.port, { ca: await readFile(pki.ca.certPath), key, cert });
        expect({ sim, reply: result.reply }).toEqual({ sim, reply: undefined });
      }
      // The server is up and still accepts a service: the refusals were about the certificates.
      expect((await exchange(server.port, await readTlsMaterial(pki.ca, pki.services.payment!))).reply).toBe(
        'echo:ping',
      );
      expect(server.acceptedClients).toEqual(['payment']);
    } finally {
      await server.close();
    }
  });

  it('connects a service to a simulator the way the UnionPay channel does', async () => {
    // The switch: its counterparty certificate, verifying callers against the root (their chains carry the
    // services CA). The service: its own certificate, trusting the counterparty CA for the switch.
    const sw = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.simulators['unionpay-sim']!));
    try {
      const asPayment = await readTlsMaterial(pki.simCa, pki.services.payment!);
      const ok = await exchange(sw.port, { ...asPayment, servername: 'unionpay-sim' });
      expect(ok).toMatchObject({ reply: 'echo:ping', serverCN: 'unionpay-sim' });
      // A client trusting only the root does not take the simulator for a cluster server...
      const rootOnly = await exchange(sw.port, await readTlsMaterial(pki.ca, pki.services.payment!));
      expect(rootOnly.reply).toBeUndefined();
      expect(rootOnly.error).toBeDefined();
      expect(sw.acceptedClients).toEqual(['payment']);
    } finally {
      await sw.close();
    }
    // ...and a client trusting the counterparty CA does not take a service for the switch.
    const impostor = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization!));
    try {
      const r = await exchange(impostor.port, await readTlsMaterial(pki.simCa, pki.services.payment!));
      expect(r.reply).toBeUndefined();
      expect(impostor.acceptedClients).toEqual([]);
    } finally {
      await impostor.close();
    }
  });

  it('refuses a client whose certificate comes from another CA, or that has none', async () => {
    const foreignDir = await mkdtemp(join(tmpdir(), 'wxpay-pki-foreign-'));
    const server = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization!));
    try {
      const foreignCa = await createForeignCa(foreignDir);
      const intruder = await issueCertificate({ dir: foreignDir, name: 'intruder', ca: foreignCa });
      const { key, cert } = await readTlsMaterial(foreignCa, intruder);
      const ca = await readFile(pki.ca.certPath); // the intruder trusts our CA, so only its own cert is wrong
      expect((await exchange(server.port, { ca, key, cert })).reply).toBeUndefined();
      expect((await exchange(server.port, { ca })).reply).toBeUndefined();
      expect(server.acceptedClients).toEqual([]);
    } finally {
      await server.close();
      await rm(foreignDir, { recursive: true, force: true });
    }
  });

  it('accepts an extra certificate of the services CA and tells it apart by CN', async () => {
    const extra = await issueCertificate({ dir, name: 'unlisted-caller', ca: pki.servicesCa });
    const server = await startMutualTlsServer(await readTlsMaterial(pki.ca, pki.services.tokenization!));
    try {
      expect((await exchange(server.port, await readTlsMaterial(pki.ca, extra))).reply).toBe('echo:ping');
      expect(server.acceptedClients).toEqual(['unlisted-caller']);
    } finally {
      await server.close();
    }
  });
});
