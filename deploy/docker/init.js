#!/usr/bin/env node
// The compose cluster's one-shot init container: the dev PKI on the shared volume and the declared topics.
// Runs from the compiled dist/ inside the runtime image. PKI_SERVICES get certificates from the services CA
// (under the root ca.crt, with their spiffe://wxpay/<name> URI), PKI_SIMULATORS from the separate counterparty
// CA (sim-ca.crt): the same layout as `npm start` and deploy/dev-ca/generate.js.
const path = require('path');
const dist = path.join(__dirname, '..', '..', 'dist', 'libs');
const { ensureDevPki } = require(path.join(dist, 'testing/src/pki'));
const { ensureTopics } = require(path.join(dist, 'contracts/src'));

async function main() {
  const list = (name) => (process.env[name] ?? '').split(',').filter(Boolean);
  const services = list('PKI_SERVICES');
  const simulators = list('PKI_SIMULATORS');
  const dir = process.env.PKI_DIR ?? '/pki';
  await ensureDevPki({ dir, services, simulators });
  // The apps run as the image's `node` user (uid 1000) and must read their keys from the shared volume.
  if (process.getuid && process.getuid() === 0)
    require('child_process').execFileSync('chown', ['-R', '1000:1000', dir]);
  const created = await ensureTopics((process.env.KAFKA_BROKERS ?? 'kafka:9092').split(','));
  console.log(
    `init: PKI ready for ${services.join(', ')} (simulators: ${simulators.join(', ')}); created ${created.length} topics`,
  );
}

main().catch((e) => {
  console.error(`init failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
