import { ensureDatabase, withDatabase } from '@wxpay/persistence';
import { ensureDevEventKeys, ensureDevPki, workspaceRoot, type DevEventKeys } from '@wxpay/testing';
import { rmSync } from 'fs';
import { join } from 'path';
import { AppProcess } from './app-process';
import { requestRestart, serveControl, type RestartRequest } from './control';
import { claimDevDatabases, devDatabaseName } from './dev-databases';
import { databaseServerFromEnv, startInfrastructure, type RunningInfrastructure } from './infrastructure';
import { colorWanted, logFormatFromEnv, paint, type AppOutput } from './log-format';
import { readManifests, selectApps, type AppManifest } from './manifest';
import { devPkiIdentities } from './pki-identities';
import { addressesInUse, listenAddresses } from './ports';
import { SupervisedApp } from './supervised-app';

const log = (line: string) => console.log(`${paint('[launcher]', 1, colorWanted(process.stdout))} ${line}`);

export const USAGE = `usage: npm start [-- --only app1,app2] [-- --infra-only] [-- --json]
       npm start -- restart <app> [NAME=value ...]
  (no options)    the infrastructure (PostgreSQL, Kafka, dev PKI) and every app, each waited for until ready;
                  each app's log lines shown readable, one line per record, after the app's name
  --only a,b      the named apps and the apps they require
  --infra-only    the infrastructure alone
  --json          the apps' log lines as the JSON they write (also LOG_FORMAT=json); colours only on a
                  terminal and without NO_COLOR
  --help          this text
  restart <app>   from another terminal: the running cluster restarts that app, with NAME=value added to its
                  environment (kept for later starts), and answers once it is ready again
An app that exits after it was up is started again (after 1, 2, 4 … 30 s; left stopped after 5 exits in 5 min);
the others keep running. Ctrl-C stops everything this launcher started.`;

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export interface LaunchOptions {
  only?: string[];
  infraOnly: boolean;
  help: boolean;
  /** The apps' JSON log lines as they are written, not prettified. */
  json: boolean;
  /** Not a launch: ask the running launcher to restart an app. */
  restart?: RestartRequest;
}

function parseRestart(argv: readonly string[]): RestartRequest {
  const [app, ...pairs] = argv;
  if (!app || app.startsWith('-')) throw new Error(`restart needs an app name\n${USAGE}`);
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = at > 0 ? pair.slice(0, at) : '';
    if (!ENV_NAME.test(name)) throw new Error(`restart takes NAME=value pairs, not ${JSON.stringify(pair)}`);
    env[name] = pair.slice(at + 1);
  }
  return { restart: app, env };
}

/** Strict: an option it does not know is an error, never a reason to start a cluster anyway. */
export function parseArgs(argv: readonly string[]): LaunchOptions {
  const options: LaunchOptions = { infraOnly: false, help: false, json: false };
  if (argv[0] === 'restart') return { ...options, restart: parseRestart(argv.slice(1)) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--infra-only') options.infraOnly = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--only') {
      const names = argv[++i];
      if (!names || names.startsWith('-')) throw new Error(`--only needs app names\n${USAGE}`);
      options.only = names.split(',');
    } else throw new Error(`unknown option ${JSON.stringify(arg)}\n${USAGE}`);
  }
  return options;
}

function envVarPrefix(app: string): string {
  return app.toUpperCase().replace(/-/g, '_');
}

/**
 * The app's environment with its database URL's user set to its runtime role (manifest `databaseRole`), which its
 * migrate step, run as the owner, has created and granted; unchanged for an app without one, or when the
 * operator gave the URL.
 */
function asDatabaseRole(m: AppManifest, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dbVar = `${envVarPrefix(m.name)}_DATABASE_URL`;
  if (!m.databaseRole || process.env[dbVar]) return env;
  const url = new URL(env[dbVar]!);
  url.username = m.databaseRole;
  url.password = '';
  return { ...env, [dbVar]: url.toString() };
}

function appEnv(
  m: AppManifest,
  infra: RunningInfrastructure,
  pkiDir: string,
  eventKeys: DevEventKeys,
): NodeJS.ProcessEnv {
  const dbVar = `${envVarPrefix(m.name)}_DATABASE_URL`;
  return {
    // `npm start` is a developer's cluster (dev keys, simulators, the controllable clock), which production mode
    // refuses; GATEWAY_ENV=production in the launcher's environment shows what a deployment would refuse.
    GATEWAY_ENV: 'development',
    // Its event-signing key when it publishes, and every producer's public key (the launcher's own environment
    // may point elsewhere).
    ...eventKeys.env(m.name),
    ...m.env,
    ...process.env,
    KAFKA_BROKERS: infra.brokers.join(','),
    // Each service reaches the local broker with its own certificate, so the topic table's ACLs apply to it.
    ...(m.needs.includes('kafka') ? infra.kafkaEnvFor(m.name) : {}),
    [dbVar]: process.env[dbVar] ?? withDatabase(infra.databaseServer, devDatabaseName(m.name)),
    PKI_DIR: process.env.PKI_DIR ?? pkiDir,
    SERVICE_NAME: m.name,
  };
}

/**
 * `npm start`: infrastructure first (PostgreSQL, Kafka, topics, dev certificates), then every app in
 * apps/<app>/launch.json order, each waited for until ready, then kept running (SupervisedApp) and restartable
 * from another terminal over the control socket; Ctrl-C stops them in reverse order and then the broker if this
 * launcher started it and nothing else still uses it.
 */
export async function launchCluster(argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const root = workspaceRoot();
  const controlPath = process.env.LAUNCHER_CONTROL_SOCKET ?? join(root, '.data/launcher.sock');
  if (options.restart) {
    await requestRestart(controlPath, options.restart, log);
    log(`${options.restart.restart} restarted`);
    return;
  }
  const started = Date.now();
  // Before the infrastructure, so a mistyped --only or LOG_FORMAT fails at once.
  const { apps: manifests, added } = selectApps(readManifests(root), options.only);
  const output: AppOutput = {
    format: options.json ? 'json' : logFormatFromEnv(),
    color: colorWanted(process.stdout),
    nameWidth: Math.max(0, ...manifests.map((m) => m.name.length)),
  };
  if (!options.infraOnly) {
    // Before anything starts: a second launcher would otherwise start apps that cannot bind, and its readiness
    // checks would pass against the first cluster's health endpoints.
    const taken = await addressesInUse(listenAddresses(manifests, process.env));
    if (taken.length) {
      throw new Error(
        `already in use: ${taken.map((a) => `${a.host}:${a.port} (${a.app}, ${a.variable})`).join(', ')}; ` +
          'is a cluster already running? Stop it, or set those variables to free ports',
      );
    }
  }
  // The databases the launcher names (not one an app's own variable names) are this checkout's, or refused
  // before Kafka or any app starts.
  const named = options.infraOnly
    ? []
    : manifests.filter(
        (m) => m.needs.includes('postgres') && !process.env[`${envVarPrefix(m.name)}_DATABASE_URL`],
      );
  const infra = await startInfrastructure(log, {
    onDatabaseServer: (server) =>
      claimDevDatabases(
        named.map((m) => withDatabase(server, devDatabaseName(m.name))),
        root,
      ),
  });
  if (added.length) log(`also starting ${added.join(', ')} (required by ${options.only!.join(', ')})`);
  const pkiDir = join(root, '.data/pki');
  await ensureDevPki({ dir: pkiDir, ...devPkiIdentities(manifests) });
  log(`dev PKI in ${pkiDir}`);
  const eventKeys = ensureDevEventKeys(join(root, '.data/event-keys'));
  log(`dev event-signing keys in ${eventKeys.dir}`);

  const running: SupervisedApp[] = [];
  let stopping = false;
  let control: Awaited<ReturnType<typeof serveControl>> | undefined;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${reason})…`);
    control?.close();
    rmSync(controlPath, { force: true });
    for (const app of [...running].reverse()) await app.stop();
    await infra.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  if (!options.infraOnly) {
    for (const [i, m] of manifests.entries()) {
      const env = appEnv(m, infra, pkiDir, eventKeys);
      const app = new SupervisedApp(m, { root, env: asDatabaseRole(m, env), colorIndex: i, output, log });
      try {
        if (m.needs.includes('postgres')) {
          await ensureDatabase(env[`${envVarPrefix(m.name)}_DATABASE_URL`]!);
          if (m.migrate) await new AppProcess(m, root, env, i, output).runToCompletion(m.migrate);
        }
        running.push(app);
        await app.start();
      } catch (e) {
        log(`${m.name} failed to start: ${e instanceof Error ? e.message : String(e)}`);
        await shutdown('start-up failure', 1);
        return;
      }
    }
    control = await serveControl(controlPath, (request, progress) => {
      const app = running.find((a) => a.name === request.restart);
      if (!app) {
        const names = running.map((a) => a.name).join(', ');
        return Promise.reject(new Error(`${request.restart} is not run by this launcher (it runs ${names})`));
      }
      log(`restart of ${app.name} asked for`);
      return app.restart(request.env, (line) => {
        log(line);
        progress(line);
      });
    });
  }
  printTable(infra, manifests, options.infraOnly, Date.now() - started);
  // Keeps the launcher in the foreground (also with --infra-only) until Ctrl-C.
  setInterval(() => undefined, 1 << 30);
}

/** `npm run db:migrate [-- app]`: each app's migrations against its own database, created if missing. */
export async function migrateApps(only: string[]): Promise<void> {
  const root = workspaceRoot();
  const server = databaseServerFromEnv();
  const manifests = readManifests(root).filter(
    (m) => m.migrate && (only.length === 0 || only.includes(m.name)),
  );
  for (const [i, m] of manifests.entries()) {
    const dbVar = `${envVarPrefix(m.name)}_DATABASE_URL`;
    const url = process.env[dbVar] ?? withDatabase(server, devDatabaseName(m.name));
    await ensureDatabase(url);
    await new AppProcess(m, root, { ...m.env, ...process.env, [dbVar]: url }, i).runToCompletion(m.migrate!);
    log(`${m.name}: migrations applied`);
  }
  if (manifests.length === 0) log('no app has migrations yet');
}

function printTable(infra: RunningInfrastructure, apps: AppManifest[], infraOnly: boolean, ms: number): void {
  const rows: [string, string][] = [
    ['kafka', `${infra.brokers.join(',')}${infra.kafkaStartedHere ? ' (started by this launcher)' : ''}`],
    ['postgres', infra.databaseServer],
  ];
  if (!infraOnly) {
    for (const m of apps) {
      const endpoints = Object.entries(m.endpoints ?? {}).map(([k, v]) => `${k} ${v}`);
      rows.push([m.name, endpoints.join(', ') || (m.ready.http ?? m.ready.tcp ?? '')]);
    }
  }
  const width = Math.max(...rows.map(([n]) => n.length));
  console.log('');
  log(
    `cluster up in ${(ms / 1000).toFixed(1)} s; \`npm start -- restart <app>\` restarts one app, Ctrl-C stops everything`,
  );
  for (const [name, where] of rows) console.log(`  ${name.padEnd(width)}  ${where}`);
  console.log('');
}
