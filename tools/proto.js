#!/usr/bin/env node
// `npm run proto -- generate | check | baseline`: the protos in libs/contracts/proto through buf (npm package
// @bufbuild/buf, no network). `generate` writes libs/contracts/src/generated with ts-proto; `check` (run by `npm run
// lint`, so by CI) lints the protos, refuses a breaking change against proto-baseline.binpb and fails when the
// generated code is not what the protos give; `baseline` records today's protos as the contract later changes are
// checked against (only on purpose: a breaking change is a new package version, gateway.<service>.v2).
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const contracts = path.join(__dirname, '..', 'libs', 'contracts');
const bin = path.join(__dirname, '..', 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
const BASELINE = 'proto-baseline.binpb';
const GENERATED = path.join('src', 'generated');

function buf(args, opts = {}) {
  const run = spawnSync('buf', args, { cwd: contracts, env, stdio: 'inherit', ...opts });
  if (run.error) throw run.error;
  if (run.status !== 0) process.exit(run.status ?? 1);
}

function generate(outDir) {
  const out = path.join(contracts, outDir);
  fs.rmSync(out, { recursive: true, force: true });
  const template = fs.readFileSync(path.join(contracts, 'buf.gen.yaml'), 'utf8');
  buf(['generate', '--template', template.replace(/out: src\/generated/, `out: ${outDir}`)]);
}

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

function check() {
  buf(['lint']);
  buf(['breaking', '--against', BASELINE]);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-gen-'));
  const rel = path.relative(contracts, scratch);
  try {
    generate(rel);
    const expected = listFiles(scratch).sort();
    const actual = listFiles(path.join(contracts, GENERATED)).sort();
    const stale = [...new Set([...expected, ...actual])].filter(
      (f) =>
        !expected.includes(f) ||
        !actual.includes(f) ||
        !fs.readFileSync(path.join(scratch, f)).equals(fs.readFileSync(path.join(contracts, GENERATED, f))),
    );
    if (stale.length) {
      console.error(`generated code is stale (run \`npm run proto -- generate\`): ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log(`protos: lint clean, no breaking change, ${expected.length} generated files current`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const command = process.argv[2];
if (command === 'generate') generate(GENERATED);
else if (command === 'check') check();
else if (command === 'baseline') buf(['build', '-o', BASELINE]);
else {
  console.error('usage: node tools/proto.js generate|check|baseline');
  process.exit(2);
}
