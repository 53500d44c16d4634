#!/usr/bin/env node
// One-shot job of compose's `dev` profile: the development PKI (libs/testing's generator, the same one
// `npm start` and deploy/dev-ca/generate.js use) in PKI_DIR: PKI_SERVICES from the services CA (with their
// spiffe://wxpay/<name> URI), PKI_SIMULATORS from the separate counterparty CA. Valid files are reused, so it is
// safe on every start. Production mounts certificates from the bank's own PKI instead.
const { join } = require('path');
const { ensureDevPki } = require(join(__dirname, '..', 'dist', 'libs', 'testing', 'src', 'pki'));

const dir = process.env.PKI_DIR ?? '/pki';
const list = (name) => (process.env[name] ?? '').split(',').filter(Boolean);
const services = list('PKI_SERVICES');
const simulators = list('PKI_SIMULATORS');
ensureDevPki({ dir, services, simulators }).then(
  (pki) =>
    console.log(
      `dev PKI in ${dir}: generated ${pki.generated.join(' ') || 'nothing'} for ${services.join(', ')} ` +
        `(simulators: ${simulators.join(', ')})`,
    ),
  (e) => {
    console.error(`dev PKI failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
