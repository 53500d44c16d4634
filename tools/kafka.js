#!/usr/bin/env node
// `npm run kafka:start | kafka:stop | kafka:topics`: the local single-node KRaft broker from Maven Central jars.
require('./ts-register');
const { startLocalKafka, stopLocalKafka } = require('../libs/testing/src/infra/kafka-local');
const { withMavenProgress } = require('./launcher/maven-progress');

async function main(command) {
  const log = (line) => console.log(`[kafka] ${line}`);
  const t0 = Date.now();
  if (command === 'start') {
    // On the first start Maven fetches the broker's jars: a progress line every few seconds meanwhile.
    const progress = withMavenProgress(log);
    const k = await startLocalKafka({ log: progress.log }).finally(() => progress.stop());
    await createTopics(k.brokers, log);
    log(
      `ready on ${k.brokers.join(',')} (Kafka ${k.version}, ${k.startedNow ? 'started' : 'reused'} in ${Date.now() - t0} ms)`,
    );
  } else if (command === 'stop') {
    // Left running while a test run or a cluster holds it, unless --force.
    await stopLocalKafka({ log, force: process.argv.includes('--force') });
  } else if (command === 'topics') {
    await createTopics((process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), log);
  } else {
    throw new Error(`usage: node tools/kafka.js start|stop|topics`);
  }
}

async function createTopics(brokers, log) {
  const { ensureTopics } = require('../libs/contracts/src/topics-admin');
  const created = await ensureTopics(brokers);
  log(created.length ? `created topics: ${created.join(', ')}` : 'all topics exist');
}

main(process.argv[2]).catch((e) => {
  console.error(`[kafka] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
