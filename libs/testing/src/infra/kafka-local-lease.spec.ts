import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { holdLocalKafka, stopLocalKafka } from './kafka-local';
import { isAlive } from './process-lock';

/** A process that only waits: stands for the broker or for a process holding it. */
function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('the local broker, shared by a cluster and test runs', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  const start = () => {
    const c = sleeper();
    children.push(c);
    return c;
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kafka-lease-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is left running while another live process holds it, and stopped once that one is gone', async () => {
    const broker = start();
    writeFileSync(join(dataDir, 'broker.pid'), String(broker.pid));
    const testRun = start();
    holdLocalKafka('npm test', { dataDir, pid: testRun.pid });
    const lines: string[] = [];

    expect(await stopLocalKafka({ dataDir, log: (l) => lines.push(l) })).toBe(false);
    expect(isAlive(broker.pid!)).toBe(true);
    expect(lines).toEqual([expect.stringContaining(`still used by npm test (pid ${testRun.pid})`)]);

    testRun.kill('SIGKILL');
    await ended(testRun);
    expect(await stopLocalKafka({ dataDir, log: (l) => lines.push(l) })).toBe(true);
    await ended(broker);
    expect(isAlive(broker.pid!)).toBe(false);
  });

  it("ignores this process's own hold, a released one, and any hold when forced", async () => {
    const broker = start();
    writeFileSync(join(dataDir, 'broker.pid'), String(broker.pid));
    holdLocalKafka('npm start', { dataDir });
    const other = start();
    const release = holdLocalKafka('npm test', { dataDir, pid: other.pid });
    release();
    expect(await stopLocalKafka({ dataDir })).toBe(true);
    await ended(broker);

    const second = start();
    writeFileSync(join(dataDir, 'broker.pid'), String(second.pid));
    holdLocalKafka('npm test', { dataDir, pid: other.pid });
    expect(await stopLocalKafka({ dataDir, force: true })).toBe(true);
    await ended(second);
    expect(isAlive(second.pid!)).toBe(false);
  });
});
