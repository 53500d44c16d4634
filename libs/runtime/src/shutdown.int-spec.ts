import { status } from '@grpc/grpc-js';
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { createServiceClient } from '@wxpay/grpc';
import { workspaceRoot } from '@wxpay/testing';
import { join } from 'path';
import { ShutdownProbeService } from './__fixtures__/shutdown-probe-service';

jest.setTimeout(120_000);

/** How long any one awaited step of the child may take (a cold start compiles its TypeScript on 2 busy cores). */
const STEP_MS = 60_000;

interface Probe {
  child: ChildProcessWithoutNullStreams;
  http: string;
  grpc: string;
  /** The `msg` of every log line so far, in order. */
  messages: string[];
  records: Record<string, unknown>[];
  /** Resolves with the first record whose msg is `msg` (bounded by STEP_MS). */
  logged(msg: string): Promise<Record<string, unknown>>;
  /** The child's exit, once it exits by itself (bounded by STEP_MS: never killing it here). */
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** Starts the fixture service as its own process (a real signal, a real exit) and waits until it serves. */
async function startProbe(env: Record<string, string>): Promise<Probe> {
  const root = workspaceRoot();
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'tools/ts-register.js'), join(__dirname, '__fixtures__/shutdown-service.ts')],
    { env: { ...process.env, ...env }, cwd: root },
  );
  let out = '';
  let pending = '';
  const records: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log record (Nest's own banner, a stack): kept in the output only.
      }
    }
    waiters.splice(0).forEach((wake) => wake());
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      waiters.splice(0).forEach((wake) => wake());
    }),
  );
  const until = async (find: () => Record<string, unknown> | undefined, what: string) => {
    const deadline = Date.now() + STEP_MS;
    for (;;) {
      const found = find();
      if (found) return found;
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`${what} never came; the child wrote:\n${out}`);
      }
      // Woken by the next output or the exit; the timer only bounds a child that goes silent.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  const listening = await until(() => records.find((r) => r.probe === 'listening'), 'the ports line');
  return {
    child,
    http: `http://127.0.0.1:${String(listening.http)}`,
    grpc: `127.0.0.1:${String(listening.grpc)}`,
    get messages() {
      return records.map((r) => r.msg).filter((m): m is string => typeof m === 'string');
    },
    records,
    logged: (msg) => until(() => records.find((r) => r.msg === msg), `log line '${msg}'`),
    exit: async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the child did not exit; it wrote:\n${out}`)), STEP_MS);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    output: () => out,
  };
}

function probeClient(address: string) {
  return createServiceClient(ShutdownProbeService, {
    address,
    tls: { enabled: false },
    server: 'shutdown-probe',
    deadlineMs: STEP_MS,
    // Its own connection: from grpc-js's shared pool, a second client would ride on the first one's, and the
    // test would not be asking the server for a new connection at all.
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
}

describe('graceful shutdown of a service started by bootstrapService (a real process, a real SIGTERM)', () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  afterEach(() => {
    // A test that failed half-way must not leave its child behind.
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('turns readiness off while it still serves, lets the call in flight finish, then refuses and exits', async () => {
    const probe = await startProbe({
      SHUTDOWN_DRAIN_MS: '200',
      // Far beyond anything the test waits for: a call cut by the grace would not be the behaviour under test.
      SHUTDOWN_GRPC_GRACE_MS: '90000',
      SHUTDOWN_TIMEOUT_MS: '100000',
    });
    children.push(probe.child);
    const client = probeClient(probe.grpc);
    try {
      expect((await fetch(`${probe.http}/health/ready`)).status).toBe(200);

      const inFlight = client.hold({}).then(
        (r) => ({ ok: r }),
        (e: unknown) => ({ failed: e }),
      );
      await probe.logged('probe: call held');

      probe.child.kill('SIGTERM');
      await probe.logged('shutdown: readiness off, draining');
      // (a) Not ready, with the reason, from a process that still answers HTTP (the held call keeps the gRPC
      // stop, and so everything after it, waiting: no race with the HTTP server closing).
      const ready = await fetch(`${probe.http}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not_ready', shuttingDown: true });
      expect((await fetch(`${probe.http}/health/live`)).status).toBe(200);

      // (c) After the drain the gRPC server accepts no new connection.
      await probe.logged('shutdown: drained; gRPC stops accepting');
      const latecomer = probeClient(probe.grpc);
      try {
        await expect(latecomer.connect(3_000)).rejects.toThrow();
        await expect(latecomer.hold({})).rejects.toMatchObject({ code: status.UNAVAILABLE });
      } finally {
        latecomer.close();
      }

      // (b) The call that was in flight when the shutdown began completes normally.
      const release = await fetch(`${probe.http}/probe/release`, { method: 'POST' });
      expect(await release.json()).toEqual({ released: 1 });
      expect(await inFlight).toEqual({ ok: expect.objectContaining({ live_version: 'held@1' }) });

      // (d) The process finishes the rest of its shutdown and exits by itself, cleanly.
      expect(await probe.exit()).toEqual({ code: 0, signal: null });

      // The order: readiness, drain, gRPC (its call answered), then background work, then the last steps.
      const order = [
        'shutdown: readiness off, draining',
        'shutdown: drained; gRPC stops accepting',
        'probe: calls released',
        'probe: background work stops',
        'probe: consumers, relay and connections stop',
      ];
      expect(probe.messages.filter((m) => order.includes(m))).toEqual(order);
      expect(probe.records.find((r) => r.msg === 'probe: background work stops')).toMatchObject({
        readinessOff: true,
      });
    } finally {
      client.close();
    }
  });

  it('exits with 1 once SHUTDOWN_TIMEOUT_MS has passed when a step of the shutdown hangs', async () => {
    const probe = await startProbe({
      SHUTDOWN_DRAIN_MS: '0',
      SHUTDOWN_GRPC_GRACE_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '3000',
      SHUTDOWN_PROBE_HANG: '1',
    });
    children.push(probe.child);
    probe.child.kill('SIGTERM');
    await probe.logged('probe: consumers, relay and connections stop');
    expect(await probe.exit()).toEqual({ code: 1, signal: null });
    expect(probe.messages).toContain('shutdown: not finished within SHUTDOWN_TIMEOUT_MS; exiting');
  });
});
