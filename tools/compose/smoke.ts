/*
 * `npm run compose:smoke`: the compose stack tested for real. Builds the images from local sources (reusing
 * what is cached), brings the `dev` profile up as its own compose project (own network and volumes, ports
 * published on 127.0.0.1 at free ports), waits until every service is healthy, runs `npm run demo` against it
 * (card payment, refund, decline, automatic repayment) and one reconciliation run (the CronJob's command), prints
 * the timings, and takes the stack down with its containers, network and volumes (images stay cached).
 * Exit 0 passed, 1 failed, 75 skipped (no Docker engine can run here; the line says why).
 */
import { spawn } from 'child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { createInterface } from 'readline';
import { workspaceRoot } from '@wxpay/testing';
import { docker } from '../images/docker-cli';
import { ensureEngine, EngineUnavailable } from '../images/engine';
import { buildImages, pruneStaleImages } from '../images/images';
import { ComposeProject, readComposeFile } from './compose-project';

const PROJECT = 'wxpay-smoke';
const SKIPPED = 75;
// A plain script engineers run with node; no TypeScript twin to import.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureDevSecrets } = require('../../deploy/compose/dev-secrets.js') as {
  ensureDevSecrets(dir: string): string[];
};

const log = (line: string) => console.log(`[compose:smoke] ${line}`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Every published port of the compose file, moved to a free port for this run (WXPAY_PORT_* = 0). */
function freePortEnv(root: string): Record<string, string> {
  const names = readFileSync(join(root, 'docker-compose.yml'), 'utf8').match(/WXPAY_PORT_[A-Z_]+/g) ?? [];
  return Object.fromEntries([...new Set(names)].map((n) => [n, '0']));
}

/** Today's business date (Asia/Shanghai), the day the demo's payments belong to. */
const businessToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

async function runDemo(root: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'tools/ts-register.js'), join(root, 'tools/demo/demo.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => console.log(`  [demo] ${line}`));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the demo exited with ${code}`);
}

async function smoke(root: string, timings: [string, string][]): Promise<void> {
  const t0 = Date.now();
  const work = join(root, '.data/compose-smoke');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const engine = await ensureEngine(log, join(root, '.data/docker'));
  if (engine.host) process.env.DOCKER_HOST = engine.host;
  timings.push([
    'engine',
    `${engine.startedHere ? 'started' : 'found'} dockerd ${engine.version} (${seconds(t0)})`,
  ]);
  let project: ComposeProject | undefined;
  try {
    const env = {
      ...process.env,
      WXPAY_SECRETS_DIR: join(work, 'secrets'),
      WXPAY_TAG: 'local',
      ...freePortEnv(root),
    };
    project = await ComposeProject.open(root, PROJECT, ['dev'], env);
    log(`compose: ${project.tool.version}`);

    const images = await buildImages(root, log);
    const built = Object.values(images.images).filter((i) => i.built && i.name !== 'base').length;
    const total = Object.keys(images.images).length - 1;
    timings.push([
      'base image',
      images.images.base!.built
        ? `${images.baseSeconds.toFixed(1)} s (built: debootstrap + import)`
        : 'cached (0 s)',
    ]);
    timings.push([
      'app images',
      `${images.otherSeconds.toFixed(1)} s (${built} of ${total} built, the rest cached; the apps, Kafka and PostgreSQL)`,
    ]);

    ensureDevSecrets(join(work, 'secrets'));
    await project.try(['down', '--volumes', '--remove-orphans']);
    const t1 = Date.now();
    await project.exec(['up', '--detach', '--no-build'], join(work, 'up.log'));
    await project.waitHealthy(readComposeFile(root), 5 * 60_000);
    timings.push(['stack healthy', `${seconds(t1)} (up to every service healthy, every job done)`]);
    log(`stack healthy in ${seconds(t1)}`);

    const addresses = {
      DEMO_PAYMENTS_ADDRESS: await project.published('payment', 50051),
      DEMO_VAULT_ADDRESS: await project.published('tokenization', 50052),
      DEMO_REPAYMENT_ADDRESS: await project.published('repayment', 50054),
      DEMO_REPAYMENT_URL: `http://${await project.published('repayment', 8084)}`,
      DEMO_PAYMENT_URL: `http://${await project.published('payment', 8080)}`,
      DEMO_WECHATPAY_SIM_URL: `http://${await project.published('wechatpay-sim', 8090)}`,
      DEMO_UNIONPAY_SIM_URL: `http://${await project.published('unionpay-sim', 8091)}`,
    };
    const demoEnv = { ...addresses, ...(await copyDevMaterial(project, work)) };

    const t2 = Date.now();
    await runDemo(root, demoEnv);
    timings.push(['demo', `${seconds(t2)} (card payment, refund, decline, automatic repayment)`]);

    const t3 = Date.now();
    const recon = await project.try([
      'run',
      '--rm',
      '--no-deps',
      '-T',
      '-e',
      'PAYMENT_RECONCILE_ADDRESS=payment:50051',
      'payment',
      'node',
      'dist/apps/payment/src/reconcile.js',
      businessToday(),
    ]);
    const report = recon.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop();
    if (recon.code !== 0 || !report)
      throw new Error(`reconciliation exited with ${recon.code}: ${recon.stdout}${recon.stderr}`);
    const r = JSON.parse(report) as {
      ledger_items: number;
      matched: number;
      unionpay_items: number;
      wechatpay_items: number;
    };
    const summary = `${r.ledger_items} ledger items, ${r.unionpay_items} UnionPay, ${r.wechatpay_items} WeChat Pay, ${r.matched} matched, no breaks`;
    log(`reconciliation ${businessToday()}: ${summary}`);
    timings.push(['reconciliation', `${seconds(t3)} (${summary})`]);
  } catch (e) {
    if (project) {
      const logs = await project.try(['logs', '--no-color', '--tail=40']);
      console.log(
        logs.stdout
          .split('\n')
          .map((l) => `  [logs] ${l}`)
          .join('\n'),
      );
    }
    throw e;
  } finally {
    const t4 = Date.now();
    if (project) await project.try(['down', '--volumes', '--remove-orphans']);
    const left = project ? (await project.containers()).size : 0;
    await pruneStaleImages(log).catch((e: unknown) => log(`pruning old images failed: ${String(e)}`));
    await engine.stop();
    rmSync(work, { recursive: true, force: true });
    timings.push([
      'teardown',
      `${seconds(t4)} (containers, network and volumes removed${left ? `; ${left} left!` : ''})`,
    ]);
    timings.push(['total', seconds(t0)]);
  }
}

/**
 * The dev PKI and the WeChat Pay simulator's merchant keys, copied out of the stack for the demo (a caller on
 * this machine): DEMO_PKI_DIR and a merchant bundle whose key paths point at the copies.
 */
async function copyDevMaterial(project: ComposeProject, work: string): Promise<Record<string, string>> {
  const states = await project.containers();
  const pki = join(work, 'pki');
  await docker(['cp', `${states.get('dev-pki')!.id}:/pki`, pki]);
  const sim = join(work, 'wechatpay-sim');
  await docker(['cp', `${states.get('wechatpay-sim')!.id}:/data/wechatpay-sim`, sim]);
  const bundleFile = join(sim, 'merchant-bundle.json');
  const bundle = readFileSync(bundleFile, 'utf8').replaceAll('/data/wechatpay-sim', sim);
  writeFileSync(bundleFile, bundle);
  return { DEMO_PKI_DIR: pki, WECHATPAY_DEV_BUNDLE: bundleFile };
}

async function main(): Promise<void> {
  const root = workspaceRoot();
  const timings: [string, string][] = [];
  let failure: unknown;
  try {
    await smoke(root, timings);
  } catch (e) {
    failure = e;
  }
  if (failure instanceof EngineUnavailable) {
    console.log(`compose smoke: skipped — no Docker engine can run here: ${failure.message}`);
    process.exit(SKIPPED);
  }
  console.log('\ncompose smoke timings');
  for (const [what, value] of timings) console.log(`  ${what.padEnd(15)} ${value}`);
  if (failure) {
    console.error(`compose smoke: FAILED — ${failure instanceof Error ? failure.message : String(failure)}`);
    process.exit(1);
  }
  console.log('compose smoke: passed');
}

void main();
