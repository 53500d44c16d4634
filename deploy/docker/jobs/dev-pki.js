#!/usr/bin/env node
// One-shot job of compose's `dev` profile: the development PKI (libs/testing's generator, the same one
// `npm start` and deploy/dev-ca/generate.js use) in PKI_DIR: PKI_SERVICES from the services CA (with their
// spiffe://wxpay/<name> URI), PKI_SIMULATORS from the separate counterparty CA. Valid files are reused, so it is
// safe on every start. Production mounts certificates from the bank's own PKI instead.
//
// Also, for the secured broker and the signed events:
// - KAFKA_BROKER_IDENTITY (e.g. kafka): that identity's key and chain as the broker's PEM key store, and the root
//   CA as its trust store, in PKI_DIR/kafka-broker/. The broker runs as another user (uid 10002) than this job and
//   the apps (10001), and every key here is 0600, so the store is given to KAFKA_BROKER_GID (the job is in that
//   group: compose's group_add) and made readable by that group only. Rewritten on every start, so a renewed
//   certificate reaches the broker.
// - EVENT_KEYS_DIR: the development event-signing keys (libs/testing's ensureDevEventKeys, as `npm start` makes
//   them): an SM2 key per producer (0600: the apps run as this job's user) and signers.json.
const { chmodSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } = require('fs');
const { join } = require('path');
const dist = join(__dirname, '..', 'dist', 'libs', 'testing', 'src');
const { ensureDevPki } = require(join(dist, 'pki'));
const { ensureDevEventKeys } = require(join(dist, 'event-keys'));

const dir = process.env.PKI_DIR ?? '/pki';
const list = (name) => (process.env[name] ?? '').split(',').filter(Boolean);
const services = list('PKI_SERVICES');
const simulators = list('PKI_SIMULATORS');

/** Writes `text` to `file` readable by its owner and `gid` only (0640), whatever the file's mode was. */
function writeForGroup(file, text, gid) {
  writeFileSync(file, text, { mode: 0o640 });
  chownSync(file, process.getuid(), gid);
  chmodSync(file, 0o640);
}

function brokerStores(pki, identity, gid) {
  const paths = pki.services[identity];
  if (!paths) throw new Error(`KAFKA_BROKER_IDENTITY=${identity} is not one of PKI_SERVICES`);
  const storeDir = join(dir, 'kafka-broker');
  mkdirSync(storeDir, { recursive: true, mode: 0o750 });
  chownSync(storeDir, process.getuid(), gid);
  chmodSync(storeDir, 0o750);
  // The broker (another user, not in this job's group) has to pass through PKI_DIR to reach its folder; it gets
  // no read right on PKI_DIR, so it cannot list it, and every key in it stays 0600.
  chmodSync(dir, (statSync(dir).mode & 0o7777) | 0o001);
  // Kafka's PEM key store: the private key, then the certificate chain (leaf, services CA).
  const key = readFileSync(paths.keyPath, 'utf8').trim();
  writeForGroup(join(storeDir, 'keystore.pem'), `${key}\n${readFileSync(paths.certPath, 'utf8')}`, gid);
  writeForGroup(join(storeDir, 'truststore.pem'), readFileSync(pki.ca.certPath, 'utf8'), gid);
  return storeDir;
}

async function main() {
  const pki = await ensureDevPki({ dir, services, simulators });
  console.log(
    `dev PKI in ${dir}: generated ${pki.generated.join(' ') || 'nothing'} for ${services.join(', ')} ` +
      `(simulators: ${simulators.join(', ')})`,
  );
  const broker = process.env.KAFKA_BROKER_IDENTITY;
  if (broker) {
    const gid = Number(process.env.KAFKA_BROKER_GID);
    if (!Number.isInteger(gid) || gid <= 0)
      throw new Error('KAFKA_BROKER_GID: the group id the broker runs with is required');
    console.log(`Kafka broker stores (${broker}, group ${gid}) in ${brokerStores(pki, broker, gid)}`);
  }
  if (process.env.EVENT_KEYS_DIR) {
    const keys = ensureDevEventKeys(process.env.EVENT_KEYS_DIR);
    console.log(`dev event-signing keys in ${keys.dir} (signers: ${keys.signersFile})`);
  }
}

main().catch((e) => {
  console.error(`dev PKI failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
