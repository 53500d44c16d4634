#!/usr/bin/env node
// `npm run db:migrate [-- app ...]`: runs every app's migrations (schema changes never come from `synchronize`).
require('./ts-register');
const [command, ...apps] = process.argv.slice(2);
if (command !== 'migrate') {
  console.error('usage: node tools/db.js migrate [app ...]');
  process.exit(2);
}
require('./launcher/cluster')
  .migrateApps(apps)
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(`[db] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
