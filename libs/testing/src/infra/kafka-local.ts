import { spawn, execFile } from 'child_process';
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createConnection } from 'net';
import { join } from 'path';
import { promisify } from 'util';
import { KAFKA_ADMIN_IDENTITY, KAFKA_BROKER_IDENTITY, topicReplication } from '@wxpay/contracts';
import { ensureDevPki } from '../pki';
import { ensureKafkaJars, kafkaVersion } from './kafka-jars';
// TEMPORARY: the connection-taking probes of wip-broker, until kafka-probe.ts takes a connection itself.
import { type KafkaConnection } from '@wxpay/messaging';
import { kafkaAnswers, proveProduceConsume } from './kafka-probe';
import { isAlive, withFileLock } from './process-lock';
import { workspaceRoot } from './workspace';

const run = promisify(execFile);

/** SSL: mutual TLS with ACLs (the default). PLAINTEXT: no encryption and no authorization, a development switch. */
export type LocalKafkaSecurity = 'SSL' | 'PLAINTEXT';

export const MAX_LOCAL_BROKERS = 5;

export interface LocalKafkaOptions {
  /**
   * The first broker's client port on 127.0.0.1 (KAFKA_PORT, default 9092). With n brokers the clients' ports are
   * port … port+n-1 and the controllers' port+n … port+2n-1 (one broker: 9092, controller 9093, as before).
   */
  port?: number;
  /** How many combined KRaft nodes (KAFKA_BROKER_COUNT, `--brokers`, default 1; at most 5). */
  brokerCount?: number;
  /** Default: KAFKA_SECURITY_PROTOCOL, where only PLAINTEXT turns security off. */
  security?: LocalKafkaSecurity;
  /** Where the nodes keep their log segments, logs and pid files (default .data/kafka). */
  dataDir?: string;
  /** The dev PKI the brokers' and the admin identity's certificates come from (default .data/pki). */
  pkiDir?: string;
  log?: (line: string) => void;
}

export interface StopLocalKafkaOptions extends LocalKafkaOptions {
  /** Stop it even while another live process holds it (`npm run kafka:stop -- --force`). */
  force?: boolean;
}

/** The certificate files of one identity of the dev PKI, as KAFKA_TLS_* name them. */
export interface KafkaTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** How a client reaches the local brokers (TLS material as PEM text). */
export type LocalKafkaConnection = KafkaConnection;

export interface LocalKafka {
  brokers: string[];
  brokerCount: number;
  security: LocalKafkaSecurity;
  /** The admin identity (CN=kafka-admin, a super user): for topics, ACLs and tests. */
  connection: LocalKafkaConnection;
  /** That identity's files (SSL only), for KAFKA_TLS_* of clients that read them from the environment. */
  tlsFiles?: KafkaTlsFiles;
  /** False when the brokers were already running and were reused. */
  startedNow: boolean;
  /** The first node's pid (see pids). */
  pid?: number;
  pids: number[];
  version: string;
}

interface NodeLayout {
  id: number;
  clientPort: number;
  controllerPort: number;
  /** Holds data/, logs/, server.properties and broker.pid. */
  dir: string;
  pidFile: string;
}

export function localKafkaSecurity(env: NodeJS.ProcessEnv = process.env): LocalKafkaSecurity {
  const protocol = env.KAFKA_SECURITY_PROTOCOL?.trim() || 'SSL';
  if (protocol === 'SSL' || protocol === 'PLAINTEXT') return protocol;
  throw new Error(
    `the local broker offers KAFKA_SECURITY_PROTOCOL=SSL (mutual TLS, the default) or PLAINTEXT (development), not ${protocol}`,
  );
}

export function localBrokerCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KAFKA_BROKER_COUNT?.trim() || '1';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOCAL_BROKERS) {
    throw new Error(
      `KAFKA_BROKER_COUNT must be a whole number from 1 to ${MAX_LOCAL_BROKERS} (got '${raw}')`,
    );
  }
  return n;
}

/**
 * One broker lives in the data folder itself (the layout of earlier checkouts, so their broker is still found and
 * stopped); a cluster of n in cluster-<n>/node-<id>, since a KRaft node's storage belongs to one quorum.
 */
function nodeLayouts(dataDir: string, port: number, count: number): NodeLayout[] {
  return Array.from({ length: count }, (_, i) => {
    const dir = count === 1 ? dataDir : join(dataDir, `cluster-${count}`, `node-${i + 1}`);
    return {
      id: i + 1,
      clientPort: port + i,
      controllerPort: port + count + i,
      dir,
      pidFile: join(dir, 'broker.pid'),
    };
  });
}

function resolveOptions(opts: LocalKafkaOptions) {
  const root = workspaceRoot();
  const port = opts.port ?? Number(process.env.KAFKA_PORT ?? 9092);
  const count = opts.brokerCount ?? localBrokerCount();
  if (!Number.isInteger(count) || count < 1 || count > MAX_LOCAL_BROKERS) {
    throw new Error(`the local Kafka runs 1 to ${MAX_LOCAL_BROKERS} brokers (asked for ${count})`);
  }
  const dataDir = opts.dataDir ?? join(root, '.data/kafka');
  return {
    root,
    port,
    count,
    dataDir,
    security: opts.security ?? localKafkaSecurity(),
    pkiDir: opts.pkiDir ?? join(root, '.data/pki'),
    log: opts.log ?? (() => undefined),
    nodes: nodeLayouts(dataDir, port, count),
  };
}

function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** Every pid file under the data folder, of one broker and of any cluster size. */
function allPidFiles(dataDir: string): string[] {
  const files = [join(dataDir, 'broker.pid')];
  if (!existsSync(dataDir)) return files;
  for (const entry of readdirSync(dataDir)) {
    if (!/^cluster-\d+$/.test(entry)) continue;
    for (const node of readdirSync(join(dataDir, entry))) {
      if (/^node-\d+$/.test(node)) files.push(join(dataDir, entry, node, 'broker.pid'));
    }
  }
  return files;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 that must not start with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id a node of this cluster was formatted with, so the other nodes join the same cluster. */
function existingClusterId(nodes: NodeLayout[]): string | undefined {
  for (const node of nodes) {
    const meta = join(node.dir, 'data', 'meta.properties');
    if (!existsSync(meta)) continue;
    const match = /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'));
    if (match) return match[1]!.trim();
  }
  return undefined;
}

/** The admin identity's files, issued (or reused) by the dev PKI together with the brokers' own certificate. */
async function ensureKafkaPki(pkiDir: string): Promise<{ admin: KafkaTlsFiles; broker: KafkaTlsFiles }> {
  const pki = await ensureDevPki({ dir: pkiDir, services: [KAFKA_BROKER_IDENTITY, KAFKA_ADMIN_IDENTITY] });
  const files = (name: string): KafkaTlsFiles => ({
    ca: pki.ca.certPath,
    cert: pki.services[name]!.certPath,
    key: pki.services[name]!.keyPath,
  });
  return { admin: files(KAFKA_ADMIN_IDENTITY), broker: files(KAFKA_BROKER_IDENTITY) };
}

function connectionOf(brokers: string[], files: KafkaTlsFiles | undefined): LocalKafkaConnection {
  if (!files) return { brokers };
  const read = (path: string) => readFileSync(path, 'utf8');
  return { brokers, tls: { ca: read(files.ca), cert: read(files.cert), key: read(files.key) } };
}

/**
 * The environment a client of these brokers reads (libs/messaging's kafkaConnectionFromEnv): the brokers, the
 * protocol and, with SSL, the CA and the certificate files of `identity` (a service's own name, for ACLs to apply
 * to it; default the admin identity the tests use).
 */
export function kafkaClientEnv(
  kafka: LocalKafka,
  identity?: string,
  pkiDir?: string,
): Record<string, string> {
  const env: Record<string, string> = {
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_SECURITY_PROTOCOL: kafka.security,
  };
  if (kafka.security === 'PLAINTEXT' || !kafka.tlsFiles) return env;
  const dir = pkiDir ?? join(kafka.tlsFiles.cert, '..');
  return {
    ...env,
    KAFKA_TLS_CA_FILE: kafka.tlsFiles.ca,
    KAFKA_TLS_CERT_FILE: identity ? join(dir, `${identity}.crt`) : kafka.tlsFiles.cert,
    KAFKA_TLS_KEY_FILE: identity ? join(dir, `${identity}.key`) : kafka.tlsFiles.key,
  };
}

function writeServerProperties(
  root: string,
  node: NodeLayout,
  nodes: NodeLayout[],
  security: LocalKafkaSecurity,
  brokerTls: { keystore: string; truststore: string } | undefined,
): string {
  const base = readFileSync(join(root, 'deploy/kafka/server.properties'), 'utf8');
  const listener = security === 'SSL' ? 'SSL' : 'PLAINTEXT';
  const { replicationFactor: rf, minInsyncReplicas: isr } = topicReplication(nodes.length);
  const local = [
    `node.id=${node.id}`,
    // The controllers speak the same protocol as the clients: with SSL nothing of the cluster travels in the clear,
    // and the nodes prove to each other who they are with the brokers' certificate (a super user).
    `listeners=${listener}://127.0.0.1:${node.clientPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=${listener}://127.0.0.1:${node.clientPort}`,
    `listener.security.protocol.map=CONTROLLER:${listener},${listener}:${listener}`,
    `inter.broker.listener.name=${listener}`,
    `controller.quorum.voters=${nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}`,
    `log.dirs=${join(node.dir, 'data')}`,
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${isr}`,
    `offsets.topic.replication.factor=${rf}`,
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${isr}`,
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${isr}`,
    ...(brokerTls
      ? [`ssl.keystore.location=${brokerTls.keystore}`, `ssl.truststore.location=${brokerTls.truststore}`]
      : // The development switch: without TLS there is no principal to authorize, so no authorizer either.
        ['authorizer.class.name=']),
  ].join('\n');
  const path = join(node.dir, 'server.properties');
  writeFileSync(
    path,
    `${base}\n# written by the launcher (libs/testing/src/infra/kafka-local.ts)\n${local}\n`,
  );
  return path;
}

/**
 * Kafka's PEM keystore is one file with the key and then the certificate chain; written (mode 0600) next to the
 * nodes from the dev PKI's files on every start, so a renewed certificate is picked up.
 */
function writeBrokerKeystore(dataDir: string, broker: KafkaTlsFiles): string {
  mkdirSync(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'tls', 'broker-keystore.pem');
  writeFileSync(path, `${readFileSync(broker.key, 'utf8').trim()}\n${readFileSync(broker.cert, 'utf8')}`, {
    mode: 0o600,
  });
  return path;
}

const SECURITY_FILE = 'listener-security';

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts n combined KRaft nodes from the Maven Central jars (one by default), TLS with client certificates and
 * ACLs unless the security is PLAINTEXT, or finds them already running. Returns only once a client (the admin
 * identity) can produce and consume, so callers never race the brokers' start-up. ACLs and topics are the
 * callers' (tools/kafka.js, the test setup, the launcher).
 */
export async function startLocalKafka(opts: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const { root, count, dataDir, security, pkiDir, log, nodes } = resolveOptions(opts);
  const brokers = nodes.map((n) => `127.0.0.1:${n.clientPort}`);
  const version = kafkaVersion(root);
  return withFileLock(join(dataDir, '.start.lock'), 10 * 60_000, async () => {
    const other = allPidFiles(dataDir).filter(
      (f) => !nodes.some((n) => n.pidFile === f) && readPid(f) !== undefined,
    );
    if (other.length) {
      throw new Error(
        `another Kafka of this checkout runs (${other.join(', ')}), not the ${count} broker(s) asked for; ` +
          '`npm run kafka:stop` stops it',
      );
    }
    const pki = security === 'SSL' ? await ensureKafkaPki(pkiDir) : undefined;
    const connection = connectionOf(brokers, pki?.admin);
    const result = (startedNow: boolean): LocalKafka => {
      const pids = nodes.map((n) => readPid(n.pidFile)).filter((p): p is number => p !== undefined);
      return {
        brokers,
        brokerCount: count,
        security,
        connection,
        tlsFiles: pki?.admin,
        startedNow,
        pid: pids[0],
        pids,
        version,
      };
    };
    const running = nodes.filter((n) => readPid(n.pidFile) !== undefined);
    if (running.length) {
      const recorded = existsSync(join(nodes[0]!.dir, SECURITY_FILE))
        ? readFileSync(join(nodes[0]!.dir, SECURITY_FILE), 'utf8').trim()
        : 'PLAINTEXT';
      if (recorded !== security) {
        throw new Error(
          `the local Kafka runs with ${recorded}, not ${security}; \`npm run kafka:stop\` first to switch`,
        );
      }
    }
    if (running.length === nodes.length && (await kafkaAnswers(connection))) {
      await proveProduceConsume(connection, 60_000);
      log(`Kafka already running on ${brokers.join(',')}`);
      return result(false);
    }
    if (running.length === 0 && (await portAccepts(nodes[0]!.clientPort))) {
      // Not ours (no live pid file): a broker of another checkout, or one of ours with another PKI or protocol.
      if (await kafkaAnswers(connection)) {
        await proveProduceConsume(connection, 60_000);
        log(`Kafka already running on ${brokers.join(',')} (not started by this checkout)`);
        return result(false);
      }
      throw new Error(
        `something listens on 127.0.0.1:${nodes[0]!.clientPort} but does not answer as a ${security} Kafka ` +
          "with this checkout's certificates (another checkout's broker?); set KAFKA_PORT to a free port",
      );
    }
    const libs = await ensureKafkaJars(log);
    const classpath = `${libs}/*`;
    const brokerTls = pki
      ? { keystore: writeBrokerKeystore(dataDir, pki.broker), truststore: pki.broker.ca }
      : undefined;
    const clusterId = existingClusterId(nodes) ?? newClusterId();
    for (const node of nodes) {
      if (readPid(node.pidFile) !== undefined) continue;
      mkdirSync(join(node.dir, 'logs'), { recursive: true });
      const props = writeServerProperties(root, node, nodes, security, brokerTls);
      writeFileSync(join(node.dir, SECURITY_FILE), security);
      if (!existsSync(join(node.dir, 'data', 'meta.properties'))) {
        await run('java', [
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          props,
        ]);
      }
      const out = openSync(join(node.dir, 'logs', 'broker.out'), 'a');
      const child = spawn(
        'java',
        [
          '-Xms256m',
          `-Xmx${process.env.KAFKA_HEAP_MAX ?? (count > 1 ? '512m' : '768m')}`,
          '-XX:+UseG1GC',
          '-Djava.awt.headless=true',
          `-Dkafka.logs.dir=${join(node.dir, 'logs')}`,
          `-Dlog4j2.configurationFile=${join(root, 'deploy/kafka/log4j2.properties')}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          props,
        ],
        { detached: true, stdio: ['ignore', out, out] },
      );
      child.unref();
      writeFileSync(node.pidFile, String(child.pid));
      log(
        `Kafka ${version} node ${node.id} starting on 127.0.0.1:${node.clientPort} (${security}, pid ${child.pid}, ` +
          `logs ${join(node.dir, 'logs')})`,
      );
    }
    // Each node on its own: a node answers once it has joined the quorum and registered, so all answering means
    // topics can get their full replication.
    for (const node of nodes) {
      await waitForBroker({ ...connection, brokers: [`127.0.0.1:${node.clientPort}`] }, node);
    }
    await proveProduceConsume(connection, 60_000);
    return result(true);
  });
}

async function waitForBroker(connection: LocalKafkaConnection, node: NodeLayout): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const pid = readPid(node.pidFile);
    if (pid === undefined) {
      const tail = readFileSync(join(node.dir, 'logs', 'broker.out'), 'utf8')
        .split('\n')
        .slice(-15)
        .join('\n');
      throw new Error(`Kafka node ${node.id} exited during start-up; last lines of its log:\n${tail}`);
    }
    if (await kafkaAnswers(connection, 1000)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka node ${node.id} did not answer on ${connection.brokers[0]} within 120 s`);
}

/**
 * Marks the local broker as used by this process (`user` says by what, e.g. "npm test") until the returned
 * release is called or the process ends: a cluster that stops does not then stop the broker under a test run
 * that found it running, nor a test run under a cluster.
 */
export function holdLocalKafka(user: string, opts: LocalKafkaOptions & { pid?: number } = {}): () => void {
  const dir = join(opts.dataDir ?? join(workspaceRoot(), '.data/kafka'), 'users');
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
 * Stops every broker this workspace started, one or a cluster of any size (controlled shutdown, then SIGKILL
 * after 30 s), unless another live process holds it (holdLocalKafka) and `force` is not set: then it is left
 * running, and says for whom. Idempotent.
 */
export async function stopLocalKafka(opts: StopLocalKafkaOptions = {}): Promise<boolean> {
  const dataDir = opts.dataDir ?? join(workspaceRoot(), '.data/kafka');
  const log = opts.log ?? (() => undefined);
  const live = allPidFiles(dataDir)
    .map((pidFile) => ({ pidFile, pid: readPid(pidFile) }))
    .filter((p): p is { pidFile: string; pid: number } => p.pid !== undefined);
  if (live.length === 0) {
    for (const f of allPidFiles(dataDir)) rmSync(f, { force: true });
    log('Kafka is not running (no live pid file)');
    return false;
  }
  const holders = opts.force ? [] : otherHolders(dataDir);
  if (holders.length) {
    const who = holders.map((h) => `${h.user} (pid ${h.pid})`).join(', ');
    log(`Kafka left running: still used by ${who} (\`npm run kafka:stop -- --force\` stops it anyway)`);
    return false;
  }
  // All at once: stopped one by one, the last nodes of a quorum would wait for a controller majority that is gone.
  for (const { pid } of live) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (live.some(({ pid }) => isAlive(pid)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const { pid, pidFile } of live) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(pidFile, { force: true });
  }
  log(`Kafka stopped (pid ${live.map((p) => p.pid).join(', ')})`);
  return true;
}

export function localKafkaPid(opts: LocalKafkaOptions = {}): number | undefined {
  const { nodes } = resolveOptions(opts);
  return readPid(nodes[0]!.pidFile);
}
