#!/usr/bin/env node
// One-shot job: creates every topic declared in libs/contracts (and its .dlq twin) on the brokers of KAFKA_*
// (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, the TLS files), then, on brokers that authenticate clients by their
// certificate (SSL with a client certificate: principal = its CN), the ACLs the topic table implies, so each
// service may produce and consume exactly its own topics. Its identity must be a super user of the brokers or
// hold ALTER on the cluster (compose: kafka-admin). Compose runs it before the apps start
// (service_completed_successfully); safe to repeat: both only add what is missing.
const { join } = require('path');
const dist = join(__dirname, '..', 'dist', 'libs');
const { ensureAcls, ensureTopics, kafkaConnectionFromEnv } = require(join(dist, 'messaging', 'src'));
const { topicAcls } = require(join(dist, 'contracts', 'src'));

async function main() {
  const connection = kafkaConnectionFromEnv();
  const created = await ensureTopics(connection);
  console.log(`topics: ${created.length} created, the rest already existed`);
  // The ACLs name certificate CNs: with SASL the principals are user names the bank's platform grants, and
  // PLAINTEXT (development only) has no authorizer.
  if (!connection.tls?.cert || connection.sasl) {
    console.log('ACLs: not applied (no client certificate, so no certificate principals)');
    return;
  }
  const acls = await ensureAcls(connection, topicAcls());
  console.log(`ACLs: ${acls.created.length} created, ${acls.existing.length} already there`);
}

main().catch((e) => {
  console.error(`topics failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
