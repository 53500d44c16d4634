import { credentials, loadPackageDefinition, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { captureLogger, createForeignCa, ensureDevPki, issueCertificate } from '@wxpay/testing';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TLSSocket } from 'tls';
import { createGrpcClient, unaryCall } from './client';
import { fieldOf, RpcError } from './errors';
import { loadProtos } from './proto';
import { GrpcServer } from './server';
import { type GrpcTlsConfig } from './tls-config';

const SERVICE = 'test.echo.v1.Echo';
const pkg = loadProtos([join(__dirname, '__fixtures__/echo.proto')]);

function tlsOf(dir: string, name: string, caDir = dir): GrpcTlsConfig {
  return {
    enabled: true,
    ca: readFileSync(join(caDir, 'ca.crt')),
    cert: readFileSync(join(dir, `${name}.crt`)),
    key: readFileSync(join(dir, `${name}.key`)),
  };
}

describe('GrpcServer over real mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-pki-'));
  const { logger, lines } = captureLogger('info');
  let server: GrpcServer;
  let address: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    await ensureDevPki({ dir, services: ['echo-server', 'payment', 'risk-console'] });
    server = new GrpcServer({ packageDefinition: pkg, logger, tls: tlsOf(dir, 'echo-server') }).addService(
      SERVICE,
      {
        Say: async (req: { text: string; amount_minor: string }, ctx) => {
          if (!req.text) throw RpcError.invalidArgument('text', 'must not be empty');
          if (req.text === 'boom') throw new Error('database said card 6222021234567890128 is odd');
          if (req.text === 'slow') await new Promise((r) => setTimeout(r, 500));
          return { text: req.text, caller: ctx.peer?.commonName ?? '', amount_minor: req.amount_minor };
        },
      },
    );
    address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await server.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  function client(tls: GrpcTlsConfig): Client {
    const c = createGrpcClient(pkg, SERVICE, address, tls);
    clients.push(c);
    return c;
  }

  it('hands the handler the caller identity from its client certificate, and int64 amounts as strings', async () => {
    const reply = await unaryCall<{ caller: string; amount_minor: string }>(
      client(tlsOf(dir, 'payment')),
      'Say',
      { text: 'hi', amount_minor: '9007199254740993' },
      { deadlineMs: 5000 },
    );
    expect(reply).toEqual({ text: 'hi', caller: 'payment', amount_minor: '9007199254740993' });
  });

  it("reads each connection's certificate once, and never mixes up the callers of two connections", async () => {
    const payment = client(tlsOf(dir, 'payment'));
    const console_ = client(tlsOf(dir, 'risk-console'));
    const say = (c: Client, text: string) =>
      unaryCall<{ caller: string }>(c, 'Say', { text }, { deadlineMs: 5000 });
    await Promise.all([say(payment, 'connect'), say(console_, 'connect')]);
    const certificateReads = jest.spyOn(TLSSocket.prototype, 'getPeerCertificate');
    try {
      const callers = Array.from({ length: 20 }, (_, i) => (i % 2 ? console_ : payment));
      const replies = await Promise.all(callers.map((c, i) => say(c, `call ${i}`)));
      expect(replies.map((r) => r.caller)).toEqual(
        callers.map((c) => (c === payment ? 'payment' : 'risk-console')),
      );
      expect(certificateReads).not.toHaveBeenCalled();
    } finally {
      certificateReads.mockRestore();
    }
  });

  it('answers INVALID_ARGUMENT naming the field', async () => {
    const err = (await unaryCall(
      client(tlsOf(dir, 'payment')),
      'Say',
      { text: '' },
      { deadlineMs: 5000 },
    ).catch((e) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('text: must not be empty');
    expect(fieldOf(err)).toBe('text');
  });

  it('hides unexpected errors behind INTERNAL and logs them with card numbers masked', async () => {
    const err = (await unaryCall(
      client(tlsOf(dir, 'payment')),
      'Say',
      { text: 'boom' },
      { deadlineMs: 5000 },
    ).catch((e) => e)) as ServiceError;
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).toBe('internal error');
    const logged = lines.join('\n');
    expect(logged).toContain('622202*********0128');
    expect(logged).not.toContain('6222021234567890128');
  });

  it('enforces the caller deadline', async () => {
    const err = (await unaryCall(
      client(tlsOf(dir, 'payment')),
      'Say',
      { text: 'slow' },
      { deadlineMs: 100 },
    ).catch((e) => e)) as ServiceError;
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
  });

  it('refuses clients with a certificate from another CA, and plaintext clients', async () => {
    const foreignDir = mkdtempSync(join(tmpdir(), 'grpc-foreign-'));
    try {
      const foreignCa = await createForeignCa(foreignDir);
      await issueCertificate({ dir: foreignDir, name: 'intruder', ca: foreignCa });
      const intruder = { ...tlsOf(foreignDir, 'intruder', dir) };
      const err = (await unaryCall(client(intruder), 'Say', { text: 'hi' }, { deadlineMs: 3000 }).catch(
        (e) => e,
      )) as ServiceError;
      expect(err.code).toBe(status.UNAVAILABLE);
      const plain = (await unaryCall(
        client({ enabled: false }),
        'Say',
        { text: 'hi' },
        { deadlineMs: 3000 },
      ).catch((e) => e)) as ServiceError;
      expect(plain.code).toBe(status.UNAVAILABLE);
    } finally {
      rmSync(foreignDir, { recursive: true, force: true });
    }
  });

  it('serves grpc.health.v1 as SERVING for the whole server and each service', async () => {
    const healthPkg = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: {
        health: { v1: { Health: new (a: string, c: ReturnType<typeof credentials.createSsl>) => Client } };
      };
    };
    const tls = tlsOf(dir, 'payment') as Extract<GrpcTlsConfig, { enabled: true }>;
    const health = new healthPkg.grpc.health.v1.Health(
      address,
      credentials.createSsl(tls.ca, tls.key, tls.cert),
    );
    clients.push(health);
    for (const service of ['', SERVICE]) {
      const res = await unaryCall<{ status: string }>(health, 'Check', { service }, { deadlineMs: 3000 });
      expect(res.status).toBe('SERVING');
    }
  });
});
