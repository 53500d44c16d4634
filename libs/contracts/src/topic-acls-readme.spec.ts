import { readFileSync } from 'fs';
import { join } from 'path';
import { aclTableMarkdown, topicAcls } from './topic-acls';
import { allTopicSpecs, TOPIC_PREFIX } from './topics';

describe("the README's Kafka ACL table", () => {
  it('is the table topicAcls derives from the topic table (npm run kafka:acls prints it)', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const shown = /<!-- kafka-acls:start -->\n([\s\S]*?)\n<!-- kafka-acls:end -->/.exec(readme)?.[1];
    // The README names the topics as a deployment without KAFKA_TOPIC_PREFIX does; a test run has its own prefix.
    const specs = allTopicSpecs().map((s) => ({ ...s, name: s.name.slice(TOPIC_PREFIX.length) }));
    expect(shown).toBe(aclTableMarkdown(topicAcls(specs)));
  });
});
