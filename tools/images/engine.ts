import { spawn } from 'child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'fs';
import { delimiter, join } from 'path';
import { run } from './docker-cli';

/**
 * The engine this machine's own dockerd serves when nothing else does. A private socket, not
 * /var/run/docker.sock: on a shared machine an engine on the default socket would switch everyone's
 * `npm test` (TEST_INFRA=auto) to testcontainers, whose images cannot be pulled here.
 */
export const PRIVATE_SOCKET_DIR = '/run/wxpay-gateway-docker';
const PRIVATE_HOST = `unix://${PRIVATE_SOCKET_DIR}/docker.sock`;

export class EngineUnavailable extends Error {
  override readonly name = 'EngineUnavailable';
}

export interface Engine {
  /** DOCKER_HOST for every docker and compose command of this run. */
  host: string | undefined;
  version: string;
  startedHere: boolean;
  stop(): Promise<void>;
}

async function serverVersion(host: string | undefined): Promise<string | undefined> {
  const env = { ...process.env };
  if (host) env.DOCKER_HOST = host;
  else delete env.DOCKER_HOST;
  const r = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

const onPath = (bin: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, bin)));

/**
 * An engine that answers: DOCKER_HOST if set, else the default socket, else this project's private dockerd
 * (started here when this process is root and dockerd is installed; stopped again by `stop()`).
 */
export async function ensureEngine(log: (line: string) => void, stateDir: string): Promise<Engine> {
  const none = async () => undefined;
  if (!onPath('docker'))
    throw new EngineUnavailable('no docker CLI on PATH (Debian: apt-get install docker.io)');
  if (process.env.DOCKER_HOST) {
    const version = await serverVersion(process.env.DOCKER_HOST);
    if (!version) throw new EngineUnavailable(`DOCKER_HOST=${process.env.DOCKER_HOST} does not answer`);
    return { host: process.env.DOCKER_HOST, version, startedHere: false, stop: none };
  }
  for (const host of [undefined, PRIVATE_HOST]) {
    const version = await serverVersion(host);
    if (version) return { host, version, startedHere: false, stop: none };
  }
  if (process.getuid?.() !== 0) throw new EngineUnavailable('no Docker engine answers and this is not root');
  if (!onPath('dockerd'))
    throw new EngineUnavailable('no Docker engine answers and dockerd is not installed');

  mkdirSync(PRIVATE_SOCKET_DIR, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, 'dockerd.log');
  const pidFile = join(PRIVATE_SOCKET_DIR, 'dockerd.pid');
  const out = openSync(logFile, 'a');
  // --ip-masq=false: containers get no route off this machine (images are built with --network host).
  const child = spawn(
    'dockerd',
    [
      `--host=${PRIVATE_HOST}`,
      `--pidfile=${pidFile}`,
      `--exec-root=${PRIVATE_SOCKET_DIR}/exec`,
      '--ip-masq=false',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  const deadline = Date.now() + 60_000;
  let version: string | undefined;
  while (!(version = await serverVersion(PRIVATE_HOST))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).join('\n');
      try {
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      throw new EngineUnavailable(`dockerd did not start (log ${logFile}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`started dockerd ${version} on ${PRIVATE_HOST} (pid ${child.pid}, log ${logFile})`);
  return {
    host: PRIVATE_HOST,
    version,
    startedHere: true,
    async stop() {
      try {
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        try {
          process.kill(child.pid!, 0);
        } catch {
          rmSync(pidFile, { force: true });
          log('stopped dockerd');
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      log(`dockerd (pid ${child.pid}) did not stop within 30 s; left running`);
    },
  };
}
