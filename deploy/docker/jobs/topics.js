#!/usr/bin/env node
// One-shot job: creates every topic declared in libs/contracts (and its .dlq twin) on the brokers of KAFKA_*
// (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, the TLS files), then exits. Compose runs it before the apps start
// (service_completed_successfully); safe to repeat.
const { join } = require('path');
const { ensureTopics, kafkaConnectionFromEnv } = require(
  join(__dirname, '..', 'dist', 'libs', 'messaging', 'src'),
);

Promise.resolve()
  .then(() => ensureTopics(kafkaConnectionFromEnv()))
  .then(
    (created) => console.log(`topics: ${created.length} created, the rest already existed`),
    (e) => {
      console.error(`topics failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
