#!/usr/bin/env node
// One-shot job: creates every topic declared in libs/contracts (and its .dlq twin) on KAFKA_BROKERS, then exits.
// Compose runs it before the apps start (service_completed_successfully); safe to repeat.
const { join } = require('path');
const { ensureTopics } = require(join(__dirname, '..', 'dist', 'libs', 'contracts', 'src'));

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('topics: KAFKA_BROKERS is not set');
  process.exit(1);
}
ensureTopics(brokers).then(
  (created) => console.log(`topics: ${created.length} created, the rest already existed`),
  (e) => {
    console.error(`topics failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
