#!/usr/bin/env node
// `npm run kafka:start [-- --brokers 3] | kafka:stop | kafka:topics | kafka:acls`: the local KRaft broker(s) from
// Maven Central jars, secured with mutual TLS and ACLs (KAFKA_SECURITY_PROTOCOL=PLAINTEXT: without, development).
require('./ts-register');
const {
  startLocalKafka,
  stopLocalKafka,
  localBrokerCount,
} = require('../libs/testing/src/infra/kafka-local');
const { withMavenProgress } = require('./launcher/maven-progress');

function brokerCount(argv) {
  const i = argv.findIndex((a) => a === '--brokers' || a.startsWith('--brokers='));
  if (i < 0) return localBrokerCount();
  const value = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  return localBrokerCount({ KAFKA_BROKER_COUNT: value ?? '' });
}

async function main(command, argv) {
  const log = (line) => console.log(`[kafka] ${line}`);
  const t0 = Date.now();
  if (command === 'start') {
    // On the first start Maven fetches the broker's jars: a progress line every few seconds meanwhile.
    const progress = withMavenProgress(log);
    const k = await startLocalKafka({ log: progress.log, brokerCount: brokerCount(argv) }).finally(() =>
      progress.stop(),
    );
    await prepare(k.connection, k.security, log);
    log(
      `ready on ${k.brokers.join(',')} (Kafka ${k.version}, ${k.brokerCount} broker(s), ${k.security}, ` +
        `${k.startedNow ? 'started' : 'reused'} in ${Date.now() - t0} ms)`,
    );
    if (k.tlsFiles)
      log(`admin identity: ${k.tlsFiles.cert} (KAFKA_TLS_CERT_FILE/KEY_FILE, CA ${k.tlsFiles.ca})`);
  } else if (command === 'stop') {
    // Left running while a test run or a cluster holds it, unless --force. Stops every node, whatever the count.
    await stopLocalKafka({ log, force: argv.includes('--force') });
  } else if (command === 'topics') {
    // The brokers and identity of the environment (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_TLS_*), or the
    // local broker's admin identity when KAFKA_BROKERS is not set.
    const { kafkaConnectionFromEnv } = require('../libs/messaging/src');
    const { localKafkaSecurity } = require('../libs/testing/src/infra/kafka-local');
    if (process.env.KAFKA_BROKERS) {
      const connection = kafkaConnectionFromEnv(process.env);
      await prepare(connection, connection.tls ? 'SSL' : 'PLAINTEXT', log);
    } else {
      const k = await startLocalKafka({
        log,
        brokerCount: brokerCount(argv),
        security: localKafkaSecurity(),
      });
      await prepare(k.connection, k.security, log);
    }
  } else if (command === 'acls') {
    // The ACL table the topic table implies, as in the README (unprefixed names).
    const { aclTableMarkdown, topicAcls, allTopicSpecs, TOPIC_PREFIX } = require('../libs/contracts/src');
    const specs = allTopicSpecs().map((s) => ({ ...s, name: s.name.slice(TOPIC_PREFIX.length) }));
    console.log(
      aclTableMarkdown(topicAcls(TOPIC_PREFIX && argv.includes('--prefixed') ? allTopicSpecs() : specs)),
    );
  } else {
    throw new Error(`usage: node tools/kafka.js start [--brokers n]|stop [--force]|topics|acls [--prefixed]`);
  }
}

/** The topics of libs/contracts, then (secured brokers) the ACLs the topic table implies; both idempotent. */
async function prepare(connection, security, log) {
  const { topicAcls } = require('../libs/contracts/src');
  const { ensureTopics } = require('../libs/messaging/src');
  const created = await ensureTopics(connection);
  log(created.length ? `created topics: ${created.join(', ')}` : 'all topics exist');
  if (security === 'PLAINTEXT') return;
  const { ensureAcls } = require('../libs/messaging/src/client/acl-admin');
  const acls = await ensureAcls(connection, topicAcls());
  log(
    `ACLs: ${acls.created.length} created, ${acls.existing.length} already there (npm run kafka:acls lists them)`,
  );
}

main(process.argv[2], process.argv.slice(3)).catch((e) => {
  console.error(`[kafka] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
