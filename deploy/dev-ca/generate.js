#!/usr/bin/env node
// Generates (or reuses) the development PKI for mutual TLS between the services:
//
//   node deploy/dev-ca/generate.js [dir] [service...]
//
// dir defaults to .data/pki at the repository root (a relative dir is taken from the current directory); the
// services default to every server in the cluster. Each gets <name>.key/<name>.crt (CN=<name>, SANs
// DNS:<name>, DNS:localhost, IP:127.0.0.1, IP:::1, serverAuth + clientAuth) signed by ca.key/ca.crt.
// Valid files are reused, so the launcher and compose can run this on every start. The output is never
// committed (.data/ is git-ignored); needs the openssl CLI (or OPENSSL_BIN).
const path = require('path');

const repoRoot = path.join(__dirname, '..', '..');
const DEFAULT_SERVICES = ['payment', 'tokenization', 'risk', 'repayment', 'unionpay-sim', 'wechatpay-sim'];

function usage() {
  console.log('usage: node deploy/dev-ca/generate.js [dir] [service...]');
  console.log(`  dir       default ${path.join('.data', 'pki')} under the repository root`);
  console.log(`  services  default ${DEFAULT_SERVICES.join(' ')}`);
}

async function main(argv) {
  if (argv.includes('-h') || argv.includes('--help')) return usage();
  const [dirArg, ...serviceArgs] = argv;
  const dir = dirArg ? path.resolve(dirArg) : path.join(repoRoot, '.data', 'pki');
  const services = serviceArgs.length > 0 ? serviceArgs : DEFAULT_SERVICES;

  // The PKI code is TypeScript in libs/testing; run it through the repository's SWC register.
  require(path.join(repoRoot, 'tools', 'ts-register.js'));
  const { ensureDevPki } = require(path.join(repoRoot, 'libs', 'testing', 'src', 'pki'));

  const pki = await ensureDevPki({ dir, services });
  const reused = [pki.ca.name, ...services].filter((n) => !pki.generated.includes(n));
  console.log(`dev PKI in ${pki.dir}`);
  console.log(`  CA certificate: ${pki.ca.certPath}`);
  console.log(`  generated: ${pki.generated.join(' ') || '(nothing)'}`);
  console.log(`  reused:    ${reused.join(' ') || '(nothing)'}`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`dev PKI generation failed: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
