/**
 * Child process of channel.bench.ts: the UnionPay simulator and a plain TLS frame echo server, so the client
 * side and the server side each get their own core, as they would in a deployment.
 */
import { createServer, type TLSSocket } from 'node:tls';
import { type AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { createRuntimeParts } from '@wxpay/runtime';
import { FrameReader, FrameWriter } from '@wxpay/unionpay';
import { startUnionPaySim } from '../../apps/unionpay-sim/src/sim-app';

async function echoServer(pkiDir: string): Promise<number> {
  const [ca, cert, key] = await Promise.all(
    ['ca.crt', 'unionpay-sim.crt', 'unionpay-sim.key'].map((f) => readFile(`${pkiDir}/${f}`)),
  );
  const server = createServer(
    { ca, cert, key, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
    (s: TLSSocket) => {
      s.setNoDelay(true);
      const reader = new FrameReader();
      const writer = new FrameWriter(s);
      s.on('data', (chunk: Buffer) => {
        for (const frame of reader.push(chunk)) {
          const out = Buffer.alloc(4 + frame.length);
          out.write(String(frame.length).padStart(4, '0'), 0, 'latin1');
          frame.copy(out, 4);
          writer.write(out);
        }
      });
      s.on('error', () => undefined);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const { dataDir, pkiDir, databaseUrl } = JSON.parse(process.env.BENCH_SIM ?? '{}') as Record<
    string,
    string
  >;
  const parts = createRuntimeParts('unionpay-sim', { level: 'error' });
  const sim = await startUnionPaySim(
    {
      tlsHost: '127.0.0.1',
      tlsPort: 0,
      httpHost: '127.0.0.1',
      httpPort: 0,
      dataDir,
      devKeys: true,
      adminToken: '',
      switchId: '00010000',
      devAcquirerId: '49990000',
      pkiDir,
      tlsIdentity: 'unionpay-sim',
      batchMax: 512,
      syncCommit: process.env.UNIONPAY_SIM_SYNC_COMMIT === 'on',
      logLevel: 'error',
    },
    { databaseUrl, parts },
  );
  const echoPort = await echoServer(pkiDir);
  process.send?.({
    tlsPort: sim.tlsPort,
    httpUrl: sim.httpUrl,
    bundlePath: sim.keys.devAcquirer?.bundlePath,
    echoPort,
  });
  process.on('message', (m) => {
    if (m === 'stop') void sim.close().then(() => process.exit(0));
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send?.(u.user + u.system);
    }
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench simulator failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
