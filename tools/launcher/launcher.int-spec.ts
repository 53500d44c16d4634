import { execFileSync, spawn, spawnSync, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createInterface } from 'readline';
import { freePort, workspaceRoot } from '@wxpay/testing';

jest.setTimeout(180_000);

const root = workspaceRoot();
const START = join(root, 'tools/launcher/start.js');

/** The launcher's child processes (the apps it runs). */
function childrenOf(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/**
 * `npm start` as a developer runs it, on one light app (the WeChat Pay simulator) with ports, data and control
 * socket of its own: an app killed after it was up comes back while the launcher keeps running, and
 * `npm start -- restart <app> NAME=value` restarts it with that variable from another process.
 */
describe('npm start keeps its apps running and restarts one on request', () => {
  const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
  const socket = join(dir, 'launcher.sock');
  const lines: string[] = [];
  let launcher: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let health: string;

  const waitForLine = async (pattern: RegExp, timeoutMs = 90_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!lines.some((l) => pattern.test(l))) {
      if (Date.now() > deadline) throw new Error(`no launcher line ${pattern} in:\n${lines.join('\n')}`);
      if (launcher.exitCode !== null) throw new Error(`the launcher exited:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const simPid = (): number => {
    const [pid] = childrenOf(launcher.pid!);
    if (!pid) throw new Error('the launcher runs no app');
    return pid;
  };

  beforeAll(async () => {
    const port = await freePort();
    health = `http://127.0.0.1:${port}/health/live`;
    env = {
      ...process.env,
      WECHATPAY_SIM_PORT: String(port),
      WECHATPAY_SIM_DATA_DIR: join(dir, 'wechatpay-sim'),
      LAUNCHER_CONTROL_SOCKET: socket,
    };
    launcher = spawn(process.execPath, [START, '--only', 'wechatpay-sim'], { cwd: root, env });
    for (const stream of [launcher.stdout!, launcher.stderr!]) {
      createInterface({ input: stream }).on('line', (l) => lines.push(l));
    }
    await waitForLine(/cluster up in/);
  });

  afterAll(async () => {
    if (launcher.exitCode === null) {
      const exited = new Promise((r) => launcher.once('exit', r));
      launcher.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts an app killed after it was up again, and the launcher keeps running', async () => {
    const before = simPid();
    process.kill(before, 'SIGKILL');
    await waitForLine(/wechatpay-sim exited \(SIGKILL\); the others keep running; starting it again in 1 s/);
    await waitForLine(/wechatpay-sim is ready again/);
    expect(launcher.exitCode).toBeNull();
    expect(simPid()).not.toBe(before);
    expect((await fetch(health)).ok).toBe(true);
  });

  it('restarts one app with more environment when asked from another terminal', () => {
    const before = simPid();
    const out = execFileSync(process.execPath, [START, 'restart', 'wechatpay-sim', 'LOG_LEVEL=debug'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    expect(out).toMatch(/starting wechatpay-sim with LOG_LEVEL set/);
    expect(out).toMatch(/wechatpay-sim restarted/);
    const after = simPid();
    expect(after).not.toBe(before);
    expect(environOf(after).LOG_LEVEL).toBe('debug');
  });

  it('refuses to restart an app it does not run, and removes its socket when stopped', async () => {
    const r = spawnSync(process.execPath, [START, 'restart', 'payment'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/payment is not run by this launcher \(it runs wechatpay-sim\)/);
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});
