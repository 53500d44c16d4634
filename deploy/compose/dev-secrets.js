#!/usr/bin/env node
// The secret files docker-compose.yml mounts (development values, random per machine):
//
//   node deploy/compose/dev-secrets.js [dir]
//
// dir defaults to WXPAY_SECRETS_DIR, else .data/compose/secrets under the repository root. Existing files are kept
// (the database volume was initialised with that password). The folder is private to its owner; the files are
// readable by the containers' non-root users, to which compose bind-mounts them under /run/secrets.
const { randomBytes } = require('crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } = require('fs');
const path = require('path');

const DATABASE_SERVICES = ['tokenization', 'risk', 'payment', 'repayment', 'unionpay-sim'];

function ensureDevSecrets(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const written = [];
  const file = (name, make) => {
    const target = path.join(dir, name);
    if (!existsSync(target)) {
      writeFileSync(target, make(), { mode: 0o644 });
      written.push(name);
    }
    return readFileSync(target, 'utf8').trim();
  };
  const password = file('postgres-password', () => randomBytes(24).toString('base64url'));
  for (const service of DATABASE_SERVICES) {
    const database = `wxpay_${service.replace(/-/g, '_')}`;
    file(`${service}-database-url`, () => `postgres://postgres:${password}@postgres:5432/${database}`);
  }
  return written;
}

module.exports = { ensureDevSecrets, DATABASE_SERVICES };

if (require.main === module) {
  const dir = path.resolve(
    process.argv[2] ??
      process.env.WXPAY_SECRETS_DIR ??
      path.join(__dirname, '..', '..', '.data/compose/secrets'),
  );
  const written = ensureDevSecrets(dir);
  console.log(`compose secrets in ${dir}: ${written.length ? `wrote ${written.join(', ')}` : 'all present'}`);
}
