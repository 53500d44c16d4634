import { spawn, execFile } from 'child_process';
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { promisify } from 'util';
import { ensureKafkaJars, kafkaVersion } from './kafka-jars';
import { kafkaAnswers, proveProduceConsume } from './kafka-probe';
import { isAlive, withFileLock } from './process-lock';
import { workspaceRoot } from './workspace';

const run = promisify(execFile);

export interface LocalKafkaOptions {
  /** Client listener port on 127.0.0.1 (KAFKA_PORT, default 9092); the controller listens on port + 1. */
  port?: number;
  /** Where the broker keeps its log segments, logs and pid file (default .data/kafka). */
  dataDir?: string;
  log?: (line: string) => void;
}

export interface StopLocalKafkaOptions extends LocalKafkaOptions {
  /** Stop it even while another live process holds it (`npm run kafka:stop -- --force`). */
  force?: boolean;
}

export interface LocalKafka {
  brokers: string[];
  /** False when a broker was already running and was reused. */
  startedNow: boolean;
  pid?: number;
  version: string;
}

function resolveOptions(opts: LocalKafkaOptions) {
  const root = workspaceRoot();
  const port = opts.port ?? Number(process.env.KAFKA_PORT ?? 9092);
  const dataDir = opts.dataDir ?? join(root, '.data/kafka');
  return { root, port, dataDir, log: opts.log ?? (() => undefined), pidFile: join(dataDir, 'broker.pid') };
}

function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 that must not start with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function writeServerProperties(root: string, dataDir: string, port: number): string {
  const base = readFileSync(join(root, 'deploy/kafka/server.properties'), 'utf8');
  const local = [
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    `controller.quorum.voters=1@127.0.0.1:${port + 1}`,
    `log.dirs=${join(dataDir, 'data')}`,
  ].join('\n');
  const path = join(dataDir, 'server.properties');
  writeFileSync(path, `${base}\n# written by the launcher\n${local}\n`);
  return path;
}

/**
 * Starts a single-node KRaft broker from the Maven Central jars, or finds the one already running. Returns only
 * once a client can produce and consume, so callers never race the broker's start-up.
 */
export async function startLocalKafka(opts: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const { root, port, dataDir, log, pidFile } = resolveOptions(opts);
  const brokers = [`127.0.0.1:${port}`];
  const version = kafkaVersion(root);
  return withFileLock(join(dataDir, '.start.lock'), 10 * 60_000, async () => {
    if (await kafkaAnswers({ brokers })) {
      await proveProduceConsume({ brokers }, 60_000);
      log(`Kafka already running on ${brokers[0]}`);
      return { brokers, startedNow: false, pid: readPid(pidFile), version };
    }
    const libs = await ensureKafkaJars(log);
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    const props = writeServerProperties(root, dataDir, port);
    const classpath = `${libs}/*`;
    if (!existsSync(join(dataDir, 'data', 'meta.properties'))) {
      await run('java', [
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        newClusterId(),
        '-c',
        props,
      ]);
    }
    const out = openSync(join(dataDir, 'logs', 'broker.out'), 'a');
    const child = spawn(
      'java',
      [
        '-Xms256m',
        `-Xmx${process.env.KAFKA_HEAP_MAX ?? '768m'}`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${join(dataDir, 'logs')}`,
        `-Dlog4j2.configurationFile=${join(root, 'deploy/kafka/log4j2.properties')}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        props,
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    child.unref();
    writeFileSync(pidFile, String(child.pid));
    log(`Kafka ${version} starting on ${brokers[0]} (pid ${child.pid}, logs ${join(dataDir, 'logs')})`);
    await waitForBroker(brokers, child.pid!, dataDir);
    await proveProduceConsume({ brokers }, 60_000);
    return { brokers, startedNow: true, pid: child.pid, version };
  });
}

async function waitForBroker(brokers: string[], pid: number, dataDir: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      const tail = readFileSync(join(dataDir, 'logs', 'broker.out'), 'utf8')
        .split('\n')
        .slice(-15)
        .join('\n');
      throw new Error(`the Kafka broker exited during start-up; last lines of its log:\n${tail}`);
    }
    if (await kafkaAnswers({ brokers }, 1000)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Kafka broker did not answer on ${brokers[0]} within 120 s`);
}

/**
 * Marks the local broker as used by this process (`user` says by what, e.g. "npm test") until the returned
 * release is called or the process ends: a cluster that stops does not then stop the broker under a test run
 * that found it running, nor a test run under a cluster.
 */
export function holdLocalKafka(user: string, opts: LocalKafkaOptions & { pid?: number } = {}): () => void {
  const dir = join(resolveOptions(opts).dataDir, 'users');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(opts.pid ?? process.pid));
  writeFileSync(file, user);
  return () => rmSync(file, { force: true });
}

/** The live processes other than this one that hold the broker; leases of dead processes are removed. */
function otherHolders(dataDir: string): { pid: number; user: string }[] {
  const dir = join(dataDir, 'users');
  if (!existsSync(dir)) return [];
  const holders: { pid: number; user: string }[] = [];
  for (const name of readdirSync(dir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (!isAlive(pid)) {
      rmSync(join(dir, name), { force: true });
      continue;
    }
    holders.push({ pid, user: readFileSync(join(dir, name), 'utf8').trim() || 'unknown' });
  }
  return holders;
}

/**
 * Stops the broker this workspace started (controlled shutdown, then SIGKILL after 30 s), unless another live
 * process holds it (holdLocalKafka) and `force` is not set: then it is left running, and says for whom.
 * Idempotent.
 */
export async function stopLocalKafka(opts: StopLocalKafkaOptions = {}): Promise<boolean> {
  const { pidFile, log, dataDir } = resolveOptions(opts);
  const pid = readPid(pidFile);
  if (!pid) {
    rmSync(pidFile, { force: true });
    log('Kafka is not running (no live pid file)');
    return false;
  }
  const holders = opts.force ? [] : otherHolders(dataDir);
  if (holders.length) {
    const who = holders.map((h) => `${h.user} (pid ${h.pid})`).join(', ');
    log(`Kafka left running: still used by ${who} (\`npm run kafka:stop -- --force\` stops it anyway)`);
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  log(`Kafka stopped (pid ${pid})`);
  return true;
}

export function localKafkaPid(opts: LocalKafkaOptions = {}): number | undefined {
  return readPid(resolveOptions(opts).pidFile);
}
