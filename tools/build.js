#!/usr/bin/env node
// `node tools/build.js [outDir]`: compiles apps/ and libs/ to dist/ (or outDir) as CommonJS with decorator
// metadata for the container images, rewriting the @wxpay/* aliases to relative paths so plain `node` runs it.
const { transformFileSync } = require('@swc/core');
const fs = require('fs');
const path = require('path');
const swcOptions = require('./jest/swc-options');
const { compilerOptions } = require('../tsconfig.base.json');

const root = path.join(__dirname, '..');
const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist');

function sources(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '__fixtures__' ? [] : sources(p);
    const isSource =
      e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !/\.(int-)?spec\.ts$/.test(e.name);
    return isSource || e.name.endsWith('.proto') || e.name.endsWith('.json') ? [p] : [];
  });
}

fs.rmSync(out, { recursive: true, force: true });
let count = 0;
for (const file of [...sources(path.join(root, 'apps')), ...sources(path.join(root, 'libs'))]) {
  const target = path.join(out, path.relative(root, file)).replace(/\.ts$/, '.js');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (!file.endsWith('.ts')) {
    fs.copyFileSync(file, target);
    continue;
  }
  const { code } = transformFileSync(file, {
    ...swcOptions,
    sourceMaps: false,
    jsc: { ...swcOptions.jsc, baseUrl: root, paths: compilerOptions.paths },
  });
  fs.writeFileSync(target, code);
  count++;
}
console.log(`compiled ${count} files to ${path.relative(root, out) || '.'}/`);
