import { Topics, allTopicSpecs } from '@wxpay/contracts';
import { ownTopicPrefix } from './test-topics';

describe("a test run's own topics", () => {
  it('gives a run without a prefix one of its own, to delete afterwards', () => {
    const added = ownTopicPrefix({}, Date.UTC(2026, 11, 7));
    expect(added.KAFKA_TOPIC_PREFIX).toMatch(/^test\.[0-9a-z]+-[0-9a-f]{6}\.$/);
    expect(added.WXPAY_TEST_RUN_TOPICS).toBe('delete');
    expect(ownTopicPrefix({})).not.toEqual(ownTopicPrefix({}));
  });

  it("keeps a prefix the caller chose, and never deletes that one's topics", () => {
    expect(ownTopicPrefix({ KAFKA_TOPIC_PREFIX: 'staging.' })).toEqual({});
    expect(ownTopicPrefix({ KAFKA_TOPIC_PREFIX: '' })).toEqual({});
  });

  it("is what this very run's code publishes to: no declared topic of the cluster's own name", () => {
    const prefix = process.env.KAFKA_TOPIC_PREFIX!;
    expect(prefix).toMatch(/^test\./);
    expect(Topics.statements.name).toBe(`${prefix}statements.v1`);
    expect(allTopicSpecs().every((t) => t.name.startsWith(prefix))).toBe(true);
  });
});
