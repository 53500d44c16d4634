// A Jest run publishes to topics of its own (KAFKA_TOPIC_PREFIX, read by libs/contracts in every process the run
// starts, services included), so a cluster started from the README on the same broker never sees a test's events,
// nor a test the cluster's; the integration tier's global teardown deletes them (WXPAY_TEST_RUN_TOPICS=delete).
// A prefix the caller set is used as it is and kept.
const { randomBytes } = require('crypto');

/** The variables to add to `env` for this run; none when it already names a prefix. */
function ownTopicPrefix(env, now = Date.now()) {
  if (env.KAFKA_TOPIC_PREFIX !== undefined) return {};
  return {
    KAFKA_TOPIC_PREFIX: `test.${now.toString(36)}-${randomBytes(3).toString('hex')}.`,
    WXPAY_TEST_RUN_TOPICS: 'delete',
  };
}

module.exports = { ownTopicPrefix };
