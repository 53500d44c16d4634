import { aclTableMarkdown, KAFKA_CLUSTER_RESOURCE, topicAcls, type AclBinding } from './topic-acls';
import { allTopicSpecs, type TopicSpec } from './topics';

const spec = (name: string, producers: string[], consumers: string[]): TopicSpec => ({
  name,
  partitions: 1,
  retentionMs: 1,
  description: name,
  producers,
  consumers,
});

const rule = (b: AclBinding) =>
  `${b.principal} ${b.operation} ${b.resourceType}:${b.patternType}:${b.resourceName}`;

describe('topicAcls', () => {
  it('lets a producer write and describe exactly its topics, idempotently, and a consumer read its topics and groups', () => {
    const rules = topicAcls([
      spec('p.orders.v1', ['shop'], ['billing']),
      spec('p.orders.v1.dlq', ['billing'], []),
      spec('p.bills.v1', ['billing'], []),
    ]).map(rule);
    expect(rules).toEqual([
      'User:billing DESCRIBE TOPIC:LITERAL:p.bills.v1',
      'User:billing WRITE TOPIC:LITERAL:p.bills.v1',
      'User:billing DESCRIBE TOPIC:LITERAL:p.orders.v1',
      'User:billing READ TOPIC:LITERAL:p.orders.v1',
      'User:billing DESCRIBE TOPIC:LITERAL:p.orders.v1.dlq',
      'User:billing WRITE TOPIC:LITERAL:p.orders.v1.dlq',
      'User:billing READ GROUP:PREFIXED:billing',
      `User:billing IDEMPOTENT_WRITE CLUSTER:LITERAL:${KAFKA_CLUSTER_RESOURCE}`,
      'User:shop DESCRIBE TOPIC:LITERAL:p.orders.v1',
      'User:shop WRITE TOPIC:LITERAL:p.orders.v1',
      `User:shop IDEMPOTENT_WRITE CLUSTER:LITERAL:${KAFKA_CLUSTER_RESOURCE}`,
    ]);
  });

  it('grants a service that only consumes no write and nothing on the cluster', () => {
    const rules = topicAcls([spec('t', ['a'], ['reader'])]).filter((b) => b.principal === 'User:reader');
    expect(rules.map((b) => b.operation).sort()).toEqual(['DESCRIBE', 'READ', 'READ']);
  });

  it('refuses a table that names the brokers or the admin identity as a service', () => {
    expect(() => topicAcls([spec('t', ['kafka-admin'], [])])).toThrow('kafka-admin');
  });

  it('derives from the declared topics: each is written only by its producers, each DLQ by its topic consumers', () => {
    const specs = allTopicSpecs();
    const bindings = topicAcls(specs);
    for (const s of specs) {
      const writers = bindings
        .filter((b) => b.resourceName === s.name && b.operation === 'WRITE')
        .map((b) => b.principal)
        .sort();
      expect(writers).toEqual(s.producers.map((p) => `User:${p}`).sort());
      const readers = bindings
        .filter((b) => b.resourceName === s.name && b.operation === 'READ')
        .map((b) => b.principal)
        .sort();
      expect(readers).toEqual(s.consumers.map((c) => `User:${c}`).sort());
    }
    // Only literal topic names: a prefixed one would reach the topic's DLQ, written by others.
    expect(bindings.filter((b) => b.resourceType === 'TOPIC' && b.patternType !== 'LITERAL')).toEqual([]);
  });

  it('prints one table row per principal and resource', () => {
    const table = aclTableMarkdown(topicAcls([spec('t.v1', ['a'], [])]));
    expect(table.split('\n')).toEqual([
      '| Principal | Resource | Pattern | Name | Operations |',
      '| --- | --- | --- | --- | --- |',
      '| User:a | TOPIC | LITERAL | `t.v1` | DESCRIBE, WRITE |',
      `| User:a | CLUSTER | LITERAL | \`${KAFKA_CLUSTER_RESOURCE}\` | IDEMPOTENT_WRITE |`,
    ]);
  });
});
