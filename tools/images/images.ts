import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { spawn } from 'child_process';
import { readManifests, type AppManifest } from '../launcher/manifest';
import { ContentHash } from './content-hash';
import { docker, imageExists, run } from './docker-cli';
import { ImageInputs } from './inputs';

export const REPOSITORY = 'wxpay-gateway';
/** The tag every build also sets, so `docker compose` finds the latest images without being told their digests. */
export const LOCAL_TAG = 'local';

export interface BuiltImage {
  name: string;
  tag: string;
  /** False when an image with this tag existed already. */
  built: boolean;
  seconds: number;
}

export interface ImageSet {
  images: Record<string, BuiltImage>;
  /** Seconds spent on the base image (0 when reused) and on all the others, wall clock. */
  baseSeconds: number;
  otherSeconds: number;
}

const since = (t: number) => (Date.now() - t) / 1000;

/**
 * Builds (or reuses) every image of the stack from local sources: the Debian base (debootstrap + docker import),
 * Node, the production dependencies, the compiled workspace, one image per app, PostgreSQL and Kafka. Tags are
 * content digests (see ContentHash); independent chains build in parallel.
 */
export interface BuildOptions {
  /** Also the Prometheus image of the compose `monitoring` profile (not part of the stack the smoke runs). */
  monitoring?: boolean;
}

export async function buildImages(
  root: string,
  log: (line: string) => void,
  options: BuildOptions = {},
): Promise<ImageSet> {
  const inputs = new ImageInputs(root);
  const logs = join(inputs.cacheDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const images: Record<string, BuiltImage> = {};
  const dockerfile = (name: string) => join(root, 'deploy/docker', name, 'Dockerfile');

  /** docker build of one image unless its tag exists; the tag's digest covers the Dockerfile too. */
  const build = async (
    name: string,
    hash: ContentHash,
    context: string,
    args: Record<string, string>,
  ): Promise<string> => {
    const file = dockerfile(name.includes('/') ? name.split('/')[0]! : name);
    for (const [k, v] of Object.entries(args).sort()) hash.text(`arg:${k}`, v);
    const tag = `${REPOSITORY}/${name.replace(/^service\//, '')}:${hash.file('Dockerfile', file).digest()}`;
    const started = Date.now();
    const exists = await imageExists(tag);
    if (!exists) {
      const logFile = join(logs, `${name.replace('/', '-')}.log`);
      rmSync(logFile, { force: true });
      const buildArgs = Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
      await docker(
        ['build', '--network', 'host', '--force-rm', '-f', file, ...buildArgs, '-t', tag, context],
        {
          logFile,
        },
      );
    }
    await docker(['tag', tag, `${tag.split(':')[0]}:${LOCAL_TAG}`]);
    images[name.replace(/^service\//, '')] = { name, tag, built: !exists, seconds: since(started) };
    log(`${exists ? 'reused' : 'built '} ${tag}${exists ? '' : ` in ${since(started).toFixed(1)} s`}`);
    return tag;
  };

  const t0 = Date.now();
  const base = await baseImage(root, logs, log);
  images.base = base;
  const baseSeconds = base.built ? base.seconds : 0;

  const t1 = Date.now();
  const postgres = build(
    'postgres',
    new ContentHash().text('base', base.tag).tree('ctx', join(root, 'deploy/docker/postgres')),
    join(root, 'deploy/docker/postgres'),
    { BASE: base.tag },
  );

  // Debian's prometheus package with deploy/observability's scrape configuration and rules (only those two files
  // go into the image and its digest: the dashboards and the rules' tests are not its inputs).
  const observability = join(root, 'deploy/observability');
  const prometheus = options.monitoring
    ? build(
        'prometheus',
        new ContentHash()
          .text('base', base.tag)
          .tree('ctx', observability, (rel) => rel !== 'prometheus.yml' && rel !== 'alerts.yml'),
        observability,
        { BASE: base.tag },
      )
    : Promise.resolve(undefined);

  const kafka = (async () => {
    const { dir, version } = await inputs.kafkaContext(log);
    const hash = new ContentHash()
      .text('base', base.tag)
      .file('pom', join(root, 'deploy/kafka/pom.xml'))
      .tree('ctx', dir, (rel) => rel.startsWith('libs/'));
    return build('kafka', hash, dir, { BASE: base.tag, KAFKA_VERSION: version });
  })();

  const apps = (async () => {
    const version = inputs.nodeVersion();
    const nodeDir = await inputs.nodeContext(version);
    const node = await build('node', new ContentHash().text('base', base.tag).tree('ctx', nodeDir), nodeDir, {
      BASE: base.tag,
      NODE_VERSION: version,
    });
    const lock = new ContentHash()
      .file('lock', join(root, 'package-lock.json'))
      .file('package', join(root, 'package.json'))
      .digest();
    const depsDir = await inputs.depsContext(lock);
    const deps = await build('deps', new ContentHash().text('node', node).text('lock', lock), depsDir, {
      NODE: node,
    });
    const appDir = await inputs.appContext();
    const app = await build('app', new ContentHash().text('deps', deps).tree('ctx', appDir), appDir, {
      DEPS: deps,
    });
    const empty = mkdtempSync(join(tmpdir(), 'wxpay-image-'));
    try {
      await Promise.all(
        readManifests(root).map((m) =>
          build(`service/${m.name}`, new ContentHash().text('app', app), empty, serviceArgs(m, app)),
        ),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  })();

  // Every chain settles before a failure is reported, so the engine is never stopped under a running build.
  const failed = (await Promise.allSettled([postgres, kafka, apps, prometheus])).find(
    (r) => r.status === 'rejected',
  );
  if (failed) throw (failed as PromiseRejectedResult).reason;
  log(
    `images ready in ${since(t0).toFixed(1)} s (base ${baseSeconds.toFixed(1)} s, the others ${since(t1).toFixed(1)} s)`,
  );
  return { images, baseSeconds, otherSeconds: since(t1) };
}

/** An app image's build arguments, from its launch.json: readiness URL for the HEALTHCHECK and ports. */
function serviceArgs(m: AppManifest, app: string): Record<string, string> {
  const url = m.ready.http;
  if (!url) throw new Error(`apps/${m.name}/launch.json: the image HEALTHCHECK needs ready.http`);
  const ports = Object.entries(m.env)
    .filter(([k]) => k.endsWith('_PORT'))
    .map(([, v]) => v)
    .sort();
  return { APP_IMAGE: app, APP: m.name, HEALTHCHECK_URL: url, PORTS: ports.join(' ') };
}

/**
 * The Debian base: deploy/docker/base/rootfs.sh (debootstrap --variant=minbase) into a temporary folder, then
 * `docker import`. Rebuilt only when the recipe changes; the previous one stays cached until pruned.
 */
async function baseImage(root: string, logs: string, log: (line: string) => void): Promise<BuiltImage> {
  const recipe = join(root, 'deploy/docker/base/rootfs.sh');
  const tag = `${REPOSITORY}/base:bookworm-${new ContentHash().file('recipe', recipe).digest()}`;
  const started = Date.now();
  if (await imageExists(tag)) {
    log(`reused ${tag}`);
    return { name: 'base', tag, built: false, seconds: 0 };
  }
  if (process.getuid?.() !== 0) throw new Error(`building ${tag} needs root (debootstrap)`);
  log(`building ${tag} with debootstrap (once per recipe; a few minutes)…`);
  const dir = mkdtempSync(join('/var/tmp', 'wxpay-rootfs-'));
  const logFile = join(logs, 'base.log');
  rmSync(logFile, { force: true });
  try {
    const r = await run('bash', [recipe, dir], { logFile });
    if (r.code !== 0)
      throw new Error(
        `${recipe} failed (log ${logFile}):\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`,
      );
    const debootstrapped = since(started);
    const tar = spawn('tar', ['-C', dir, '--numeric-owner', '-c', '.'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await docker(
      [
        'import',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        'ENV LANG=C.UTF-8',
        '--change',
        'CMD ["bash"]',
        '-',
        tag,
      ],
      { input: tar.stdout },
    );
    log(
      `built ${tag} in ${since(started).toFixed(1)} s (debootstrap ${debootstrapped.toFixed(1)} s, import ${(since(started) - debootstrapped).toFixed(1)} s)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await docker(['tag', tag, `${REPOSITORY}/base:${LOCAL_TAG}`]);
  return { name: 'base', tag, built: true, seconds: since(started) };
}

/**
 * Removes this project's images that an earlier build tagged and the current `local` tags no longer point at, so
 * a machine that runs the smoke after every change does not fill its disk. Layers shared with the current images
 * stay; other projects' images are never touched.
 */
export async function pruneStaleImages(log: (line: string) => void): Promise<void> {
  const out = await docker([
    'image',
    'ls',
    '--format',
    '{{.Repository}}:{{.Tag}} {{.ID}}',
    `${REPOSITORY}/*`,
  ]);
  const rows = out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [ref, id] = l.split(' ') as [string, string];
      return { repo: ref.slice(0, ref.lastIndexOf(':')), tag: ref.slice(ref.lastIndexOf(':') + 1), id };
    });
  const current = new Map(rows.filter((r) => r.tag === LOCAL_TAG).map((r) => [r.repo, r.id]));
  const stale = rows.filter(
    (r) => r.tag !== LOCAL_TAG && current.has(r.repo) && current.get(r.repo) !== r.id,
  );
  if (stale.length === 0) return;
  await run('docker', ['image', 'rm', ...stale.map((r) => `${r.repo}:${r.tag}`)]);
  log(`removed ${stale.length} stale image tag(s) of earlier builds`);
}
