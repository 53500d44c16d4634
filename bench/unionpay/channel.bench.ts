/**
 * UnionPay channel: pre-authorisation round trips per second and latency (client call to typed result, write-
 * ahead log included) over one and over several TLS connections, against a plain TLS frame echo of the same
 * message size, measured in the same run as the reference. The simulator (issuer on PostgreSQL) runs in a
 * child process. Target: ≥ 3 000 authorisations/s with p99 < 20 ms on a 2-core machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { money } from '@wxpay/persistence';
import { createTestDatabase, ensureDevPki, readTlsMaterial, type PkiTlsMaterial } from '@wxpay/testing';
import {
  amountField,
  applyMac,
  cupsHeader,
  encodeFrame,
  encryptSensitiveData,
  financialRequest,
  FrameReader,
  generateWorkingKeys,
  loadAcquirerBundle,
  TRANSACTION_TYPES,
  transmissionDateTime,
  UnionPayClient,
  UnionPayRequestLogMigration1732700000000,
} from '@wxpay/unionpay';
import pino from 'pino';
import { machineLine, printTable, summarize } from '../support/stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const WARM_UP_MS = 3_000;
const ACCOUNTS = 256;
/** [TLS connections, requests in flight]. */
const SCENARIOS: [number, number][] = (process.env.BENCH_SCENARIOS ?? '1x32,1x64,4x32,4x64')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);

process.env.WXPAY_TEST_DATABASE_SERVER ??=
  process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

interface SimInfo {
  tlsPort: number;
  httpUrl: string;
  bundlePath: string;
  echoPort: number;
}

function luhnPan(i: number): string {
  const body = `62220299${String(i).padStart(10, '0')}`;
  let sum = 0;
  for (let k = 0; k < body.length; k++) {
    let d = Number(body[body.length - 1 - k]);
    if (k % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

interface CpuWindow {
  start(): Promise<void>;
  /** CPU microseconds (user + system) of the client process and of the simulator process since start(). */
  stop(): Promise<{ client: number; sim: number }>;
}

/** Runs `inFlight` loops of `call` for SECONDS (after a 1 s warm-up); returns throughput and latencies. */
async function drive(call: (i: number) => Promise<void>, inFlight: number, cpu: CpuWindow) {
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  let n = 0;
  const loop = async () => {
    while (!stop) {
      const t0 = performance.now();
      await call(n++);
      if (measuring) latencies.push(performance.now() - t0);
    }
  };
  const loops = Array.from({ length: inFlight }, loop);
  await new Promise((r) => setTimeout(r, 1_000));
  await cpu.start();
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1_000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1_000;
  const used = await cpu.stop();
  stop = true;
  await Promise.all(loops);
  const s = summarize(latencies);
  return {
    count: latencies.length,
    perSecond: Math.round(latencies.length / elapsed),
    p50: s.p50,
    p99: s.p99,
    clientCpu: Math.round(used.client / latencies.length),
    simCpu: Math.round(used.sim / latencies.length),
  };
}

/** A TLS echo client with the same framing and pipelining as the channel. */
async function echoConnections(port: number, tls: PkiTlsMaterial, count: number) {
  const sockets: { socket: TLSSocket; waiting: (() => void)[] }[] = [];
  for (let i = 0; i < count; i++) {
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ...tls, minVersion: 'TLSv1.3' });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    socket.setNoDelay(true);
    const entry = { socket, waiting: [] as (() => void)[] };
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (let k = reader.push(chunk).length; k > 0; k--) entry.waiting.shift()?.();
    });
    sockets.push(entry);
  }
  return {
    send(i: number, frame: Buffer): Promise<void> {
      const e = sockets[i % sockets.length];
      return new Promise<void>((resolve) => {
        e.waiting.push(resolve);
        e.socket.write(frame);
      });
    },
    close: () => sockets.forEach((s) => s.socket.destroy()),
  };
}

/** An 0100 of the size the client sends (the echo reference carries the same number of bytes). */
function sampleAuthorisationFrame(): Buffer {
  const keys = generateWorkingKeys(1);
  const at = new Date();
  const f7 = transmissionDateTime(at);
  const m = financialRequest({
    type: TRANSACTION_TYPES.preauth,
    originator: {
      acquirerId: '49990000',
      forwardingId: '49990000',
      terminalId: 'BENCH001',
      merchantId: '898440000000001',
      merchantType: '5399',
    },
    trace: { stan: '000001', transmissionDateTime: f7, rrn: `${f7.slice(4)}000001`, at },
    amount: amountField(100),
    currency: '156',
    keyGeneration: 1,
    sensitiveData: encryptSensitiveData(keys.dataKey, { pan: luhnPan(1) }),
  });
  return encodeFrame(cupsHeader('00010000', '49990000'), applyMac(m, keys.macKey));
}

async function main(): Promise<void> {
  console.log(
    `UnionPay channel benchmark — ${machineLine()}; ${SECONDS} s per row after 1 s warm-up ` +
      `(${WARM_UP_MS / 1000} s before the first)`,
  );
  const dirs = [
    await mkdtemp(join(tmpdir(), 'upbench-pki-')),
    await mkdtemp(join(tmpdir(), 'upbench-data-')),
  ];
  const [pkiDir, dataDir] = dirs;
  const pki = await ensureDevPki({ dir: pkiDir, services: ['payment'], simulators: ['unionpay-sim'] });
  // The acquirer's certificate; the switch (and the echo server standing in for it) checked against sim-ca.
  const tls = await readTlsMaterial(pki.simCa, pki.services.payment!);
  const { SIM_MIGRATIONS } = await import('../../apps/unionpay-sim/src/migrations/sim-schema.migration');
  const simDb = await createTestDatabase({ migrations: SIM_MIGRATIONS, label: 'bench_upsim' });
  const clientDb = await createTestDatabase({
    migrations: [UnionPayRequestLogMigration1732700000000],
    label: 'bench_upacq',
  });
  await simDb.dataSource.destroy();

  const child: ChildProcess = fork(join(__dirname, 'sim-process.ts'), [], {
    execArgv: ['-r', join(__dirname, '../../tools/ts-register.js')],
    env: { ...process.env, BENCH_SIM: JSON.stringify({ dataDir, pkiDir, databaseUrl: simDb.url }) },
  });
  const sim = await new Promise<SimInfo>((resolve, reject) => {
    child.once('message', (m) => resolve(m as SimInfo));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const rows: Record<string, string | number>[] = [];
  const simCpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve(Number(m)));
      child.send('cpu');
    });
  let marks = { client: process.cpuUsage(), sim: 0 };
  const cpu: CpuWindow = {
    async start() {
      marks = { client: process.cpuUsage(), sim: await simCpu() };
    },
    async stop() {
      const c = process.cpuUsage(marks.client);
      return { client: c.user + c.system, sim: (await simCpu()) - marks.sim };
    },
  };
  try {
    const pans = Array.from({ length: ACCOUNTS }, (_, i) => luhnPan(i + 1));
    for (const pan of pans) {
      const res = await fetch(`${sim.httpUrl}/admin/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pan, expiry: '3012', creditLimitMinor: 1e12 }),
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
    }
    const bundle = await loadAcquirerBundle(sim.bundlePath);
    const frame = sampleAuthorisationFrame();

    const channelClient = (connections: number, inFlight: number) =>
      new UnionPayClient({
        host: '127.0.0.1',
        port: sim.tlsPort,
        tls,
        keys: bundle.keys,
        switchId: bundle.switchId,
        originator: {
          acquirerId: bundle.acquirerId,
          forwardingId: bundle.forwardingId,
          terminalId: `BENCH${connections}${String(inFlight).padStart(3, '0')}`,
          merchantId: '898440000000001',
          merchantType: '5399',
        },
        dataSource: clientDb.dataSource,
        logger: pino({ level: 'error' }),
        connections,
        requestTimeoutMs: 10_000,
        heartbeatIntervalMs: 30_000,
      });
    const authorize = (client: UnionPayClient, i: number) =>
      client.authorize({
        pan: pans[i % ACCOUNTS],
        expiry: '3012',
        amount: money(100, 'CNY'),
        cardRef: `tok_${i % ACCOUNTS}`,
      });

    // Unmeasured warm-up of both processes (JIT, connection pools, PostgreSQL caches) before the first row.
    const warm = channelClient(1, 0);
    if (!(await warm.start(10_000))) throw new Error('channel did not come up');
    const warmUntil = Date.now() + WARM_UP_MS;
    let w = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (Date.now() < warmUntil) await authorize(warm, w++);
      }),
    );
    await warm.close();

    // Every authorisation row first, then the echo rows: an echo run churns through a million buffers, and the
    // garbage it leaves in both processes' heaps would otherwise be collected during the next measured row.
    const measured = new Map<string, Record<string, string | number>[]>();
    const row = (
      path: string,
      connections: number,
      inFlight: number,
      r: Awaited<ReturnType<typeof drive>>,
    ) => ({
      path,
      connections,
      'in flight': inFlight,
      'bytes/msg': frame.length,
      requests: r.count,
      'per s': r.perSecond,
      'p50 ms': r.p50.toFixed(2),
      'p99 ms': r.p99.toFixed(2),
      'client CPU µs/req': r.clientCpu,
      'server CPU µs/req': r.simCpu,
    });
    for (const [connections, inFlight] of SCENARIOS) {
      const client = channelClient(connections, inFlight);
      if (!(await client.start(10_000))) throw new Error('channel did not come up');
      let declined = 0;
      const a = await drive(
        async (i) => {
          const r = await authorize(client, i);
          if (r.outcome !== 'approved') declined++;
        },
        inFlight,
        cpu,
      );
      await client.close();
      if (declined) throw new Error(`${declined} authorisations were not approved`);
      measured.set(`${connections}x${inFlight}`, [
        row('UnionPayClient.authorize (0100 ⇄ 0110, WAL, SM4 MAC + F62)', connections, inFlight, a),
      ]);
    }
    for (const [connections, inFlight] of SCENARIOS) {
      const echo = await echoConnections(sim.echoPort, tls, connections);
      const e = await drive((i) => echo.send(i, frame), inFlight, cpu);
      echo.close();
      measured
        .get(`${connections}x${inFlight}`)!
        .unshift(row('plain TLS frame echo (reference)', connections, inFlight, e));
    }
    rows.push(...[...measured.values()].flat());
  } finally {
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    await clientDb.drop();
    await simDb.drop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  printTable('authorisation round trips (target ≥ 3 000/s, p99 < 20 ms)', rows);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
