import { TOPIC_PREFIX } from '@wxpay/contracts';
import { deleteTopicsWithPrefix } from '../kafka';

export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__WXPAY_TEST_INFRA__;
  try {
    // Only the topics of this run's own prefix (tools/jest/test-topics.js made it): never a cluster's.
    if (infra && TOPIC_PREFIX && process.env.WXPAY_TEST_RUN_TOPICS === 'delete') {
      const deleted = await deleteTopicsWithPrefix(TOPIC_PREFIX);
      process.stderr.write(`[test-infra] deleted this run's ${deleted} topics (${TOPIC_PREFIX}*)\n`);
    }
  } finally {
    await infra?.stop();
  }
}
