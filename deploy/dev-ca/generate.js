#!/usr/bin/env node
// Generates (or reuses) the development PKI for mutual TLS in the cluster:
//
//   node deploy/dev-ca/generate.js [dir] [service...] [--simulators name,name]
//
// dir defaults to .data/pki at the repository root (a relative dir is taken from the current directory). Without
// names, the identities are those `npm start` issues: every app of apps/*/launch.json (simulators, marked
// `"simulator": true`, apart) plus the outside callers `channel`, `console` and `card-system`, and Kafka's own
// identities `kafka` (the brokers) and `kafka-admin` (topics and ACLs). Layout (the same as the launcher's
// and compose's init):
//   ca.crt/.key           root CA (the trust anchor every service reads)
//   services-ca.crt/.key  intermediate under the root; issues every service and caller
//   sim-ca.crt/.key       separate counterparty CA; issues the simulators
//   <name>.crt/.key       CN=<name>, SANs DNS:<name>, DNS:localhost, IP:127.0.0.1, IP:::1, serverAuth + clientAuth;
//                         services also URI:spiffe://wxpay/<name>, and their .crt holds the leaf then services-ca
// Valid files are reused, so the launcher and compose can run this on every start. The output is never
// committed (.data/ is git-ignored); needs the openssl CLI (or OPENSSL_BIN).
const path = require('path');

const repoRoot = path.join(__dirname, '..', '..');

function usage() {
  console.log('usage: node deploy/dev-ca/generate.js [dir] [service...] [--simulators name,name]');
  console.log(`  dir          default ${path.join('.data', 'pki')} under the repository root`);
  console.log(
    '  services     default: every app that is not a simulator, plus channel, console, card-system, kafka and kafka-admin',
  );
  console.log('  --simulators default: the apps whose launch.json says "simulator": true');
}

function parseArgs(argv) {
  const positional = [];
  let simulators;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--simulators') simulators = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--simulators=')) simulators = arg.slice(13).split(',').filter(Boolean);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [dirArg, ...services] = positional;
  return { dirArg, services, simulators };
}

async function main(argv) {
  if (argv.includes('-h') || argv.includes('--help')) return usage();
  const args = parseArgs(argv);
  const dir = args.dirArg ? path.resolve(args.dirArg) : path.join(repoRoot, '.data', 'pki');

  // The PKI code is TypeScript in libs/testing; run it through the repository's SWC register.
  require(path.join(repoRoot, 'tools', 'ts-register.js'));
  const { ensureDevPki } = require(path.join(repoRoot, 'libs', 'testing', 'src', 'pki'));
  const { readManifests } = require(path.join(repoRoot, 'tools', 'launcher', 'manifest'));
  const { devPkiIdentities } = require(path.join(repoRoot, 'tools', 'launcher', 'pki-identities'));
  const defaults = devPkiIdentities(readManifests(repoRoot));
  const services = args.services.length > 0 ? args.services : defaults.services;
  const simulators = args.simulators ?? (args.services.length > 0 ? [] : defaults.simulators);

  const pki = await ensureDevPki({ dir, services, simulators });
  const all = [pki.ca.name, pki.servicesCa.name, pki.simCa.name, ...services, ...simulators];
  const reused = all.filter((n) => !pki.generated.includes(n));
  console.log(`dev PKI in ${pki.dir}`);
  console.log(`  root CA (trust anchor): ${pki.ca.certPath}`);
  console.log(`  services:   ${services.join(' ') || '(none)'} (from ${pki.servicesCa.name})`);
  console.log(`  simulators: ${simulators.join(' ') || '(none)'} (from ${pki.simCa.name})`);
  console.log(`  generated: ${pki.generated.join(' ') || '(nothing)'}`);
  console.log(`  reused:    ${reused.join(' ') || '(nothing)'}`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`dev PKI generation failed: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
