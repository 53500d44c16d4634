/*
 * `npm run images:build [-- --monitoring]`: every image of the compose stack from local sources (see images.ts;
 * with --monitoring also Prometheus for the `monitoring` profile), tagged with content digests and with `local`.
 * Starts this project's own dockerd when no engine answers (and stops it again), so it works on a machine where
 * Docker was only installed.
 */
import { join } from 'path';
import { workspaceRoot } from '@wxpay/testing';
import { ensureEngine } from './engine';
import { buildImages } from './images';

async function main(): Promise<void> {
  const root = workspaceRoot();
  const log = (line: string) => console.log(`[images] ${line}`);
  const engine = await ensureEngine(log, join(root, '.data/docker'));
  if (engine.host) process.env.DOCKER_HOST = engine.host;
  try {
    // `-- --monitoring`: also the Prometheus image of the compose `monitoring` profile.
    const set = await buildImages(root, log, { monitoring: process.argv.includes('--monitoring') });
    for (const image of Object.values(set.images)) console.log(`  ${image.tag}`);
  } finally {
    await engine.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`[images] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
