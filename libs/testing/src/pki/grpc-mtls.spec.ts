import * as grpc from '@grpc/grpc-js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevPki, ensureDevPki, readTlsMaterial } from './dev-pki';
import { createForeignCa, issueCertificate } from './issue';
import { peerCommonName } from './tls-test-harness';

// Real openssl processes (and, for the CLI, a Node process compiling TypeScript) per test: on a busy two-core CI
// machine that takes far longer than Jest's 5 s default, without anything being wrong.
jest.setTimeout(60_000);

// A raw-bytes service, so the test needs no .proto: the server answers with the caller's certificate CN, which is
// how the vault's detokenize allow-list will identify callers.
const identity = (b: Buffer) => b;
const WHO_AM_I: grpc.ServiceDefinition = {
  WhoAmI: {
    path: '/test.Identity/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
const IdentityClient = grpc.makeGenericClientConstructor(WHO_AM_I, 'Identity');

describe('dev PKI with grpc-js mutual TLS', () => {
  let dir: string;
  let pki: DevPki;
  let server: grpc.Server;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxpay-pki-grpc-'));
    pki = await ensureDevPki({ dir, services: ['tokenization', 'payment'], simulators: ['wechatpay-sim'] });
    const { ca, key, cert } = await readTlsMaterial(pki.ca, pki.services.tokenization);
    server = new grpc.Server();
    server.addService(WHO_AM_I, {
      WhoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
        cb(null, Buffer.from(peerCommonName(call.getAuthContext().sslPeerCertificate) ?? '')),
    });
    const creds = grpc.ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], true);
    port = await new Promise((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
  });

  afterAll(async () => {
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  // Targets by IP make grpc-js send the IP as TLS SNI (Node warns, DEP0123); name the server instead.
  const byName = { 'grpc.ssl_target_name_override': 'tokenization' };

  function call(
    target: string,
    creds: grpc.ChannelCredentials,
    options: grpc.ChannelOptions = {},
  ): Promise<string> {
    const client = new IdentityClient(target, creds, options);
    const deadline = Date.now() + 5000;
    return new Promise<string>((resolve, reject) =>
      client.makeUnaryRequest(
        '/test.Identity/WhoAmI',
        identity,
        identity,
        Buffer.alloc(0),
        { deadline },
        (err, res) => (err ? reject(err) : resolve(res!.toString())),
      ),
    ).finally(() => client.close());
  }

  it('lets the server read the client certificate CN through call.getAuthContext()', async () => {
    const { ca, key, cert } = await readTlsMaterial(pki.ca, pki.services.payment);
    expect(await call(`127.0.0.1:${port}`, grpc.credentials.createSsl(ca, key, cert), byName)).toBe(
      'payment',
    );
    expect(await call(`localhost:${port}`, grpc.credentials.createSsl(ca, key, cert))).toBe('payment');
  });

  it('rejects a simulator certificate (counterparty CA) as a caller', async () => {
    const { ca } = await readTlsMaterial(pki.ca, pki.services.payment!);
    const { key, cert } = await readTlsMaterial(pki.simCa, pki.simulators['wechatpay-sim']!);
    await expect(call(`localhost:${port}`, grpc.credentials.createSsl(ca, key, cert))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('rejects a client certificate from another CA', async () => {
    const foreignCa = await createForeignCa(dir);
    const intruder = await issueCertificate({ dir, name: 'intruder', ca: foreignCa });
    const { key, cert } = await readTlsMaterial(foreignCa, intruder);
    const ca = (await readTlsMaterial(pki.ca, pki.services.payment)).ca;
    await expect(call(`localhost:${port}`, grpc.credentials.createSsl(ca, key, cert))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });
});
