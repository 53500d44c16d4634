#!/usr/bin/env node
// Runs every benchmark under bench/ (or those whose path contains one of the given words), one after another,
// so their figures are not disturbed by each other. Benchmarks print their own tables.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const filters = process.argv.slice(2);

function findBenches(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findBenches(p);
    return e.name.endsWith('.bench.ts') ? [p] : [];
  });
}

const benches = findBenches(path.join(root, 'bench'))
  .sort()
  .filter((b) => filters.length === 0 || filters.some((f) => b.includes(f)));
if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ') || '(none under bench/)'}`);
  process.exit(1);
}
// Benchmarks run services with development keys, simulators and (some) plaintext gRPC, which production mode, every
// service's default, refuses.
process.env.GATEWAY_ENV ??= 'development';
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${path.relative(root, bench)} ===`);
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, 'ts-register.js'), bench], {
    stdio: 'inherit',
    cwd: root,
    env: process.env,
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
