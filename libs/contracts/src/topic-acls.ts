import { allTopicSpecs, type TopicSpec } from './topics';

/**
 * The identities of the Kafka cluster itself, issued by the dev PKI's services CA like every service: the brokers
 * (`kafka`, also their inter-broker and controller identity) and the operator/test identity (`kafka-admin`) that
 * creates topics and ACLs. Both are the brokers' super users, so no ACL below names them.
 */
export const KAFKA_BROKER_IDENTITY = 'kafka';
export const KAFKA_ADMIN_IDENTITY = 'kafka-admin';
export const KAFKA_SUPER_USERS: readonly string[] = [KAFKA_BROKER_IDENTITY, KAFKA_ADMIN_IDENTITY];

/** The one name Kafka gives the cluster resource in ACLs. */
export const KAFKA_CLUSTER_RESOURCE = 'kafka-cluster';

export type AclResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER';
export type AclPatternType = 'LITERAL' | 'PREFIXED';
export type AclOperation = 'READ' | 'WRITE' | 'DESCRIBE' | 'IDEMPOTENT_WRITE';

/** One ALLOW rule for any host, in Kafka's own terms but independent of a client library. */
export interface AclBinding {
  /** `User:<certificate CN>`: the brokers map a client certificate's subject CN=<name> to User:<name>. */
  readonly principal: string;
  readonly resourceType: AclResourceType;
  readonly patternType: AclPatternType;
  readonly resourceName: string;
  readonly operation: AclOperation;
}

export function kafkaPrincipal(identity: string): string {
  return `User:${identity}`;
}

const RESOURCE_ORDER: Record<AclResourceType, number> = { TOPIC: 0, GROUP: 1, CLUSTER: 2 };

/**
 * The ACLs the topic table implies, for every service that appears in it:
 *
 * - WRITE and DESCRIBE on exactly the topics it produces (a consumer of a topic produces its `.dlq` twin);
 * - READ and DESCRIBE on exactly the topics it consumes;
 * - READ on the consumer groups whose names start with its own name (`risk`, `repayment-statements`, …);
 * - IDEMPOTENT_WRITE on the cluster when it produces anything (its producers are idempotent).
 *
 * Topics are LITERAL, with the names as declared (TOPIC_PREFIX included): a PREFIXED rule on `payments.lifecycle.v1`
 * would also match `payments.lifecycle.v1.dlq`, which other services produce, so "exactly" needs literal names.
 * A deployment or test run with its own KAFKA_TOPIC_PREFIX gets rules for its own names by calling this with its
 * specs. Groups are PREFIXED because a service runs several groups under its name. Sorted, duplicates removed,
 * so the result can be compared and printed as a table.
 */
export function topicAcls(specs: readonly TopicSpec[] = allTopicSpecs()): AclBinding[] {
  const bindings = new Map<string, AclBinding>();
  const add = (b: AclBinding) =>
    bindings.set([b.principal, b.resourceType, b.patternType, b.resourceName, b.operation].join('\0'), b);
  const topicRule = (service: string, topic: string, operation: AclOperation) =>
    add({
      principal: kafkaPrincipal(service),
      resourceType: 'TOPIC',
      patternType: 'LITERAL',
      resourceName: topic,
      operation,
    });
  const services = new Set<string>();
  for (const spec of specs) {
    for (const producer of spec.producers) {
      services.add(producer);
      topicRule(producer, spec.name, 'WRITE');
      topicRule(producer, spec.name, 'DESCRIBE');
      add({
        principal: kafkaPrincipal(producer),
        resourceType: 'CLUSTER',
        patternType: 'LITERAL',
        resourceName: KAFKA_CLUSTER_RESOURCE,
        operation: 'IDEMPOTENT_WRITE',
      });
    }
    for (const consumer of spec.consumers) {
      services.add(consumer);
      topicRule(consumer, spec.name, 'READ');
      topicRule(consumer, spec.name, 'DESCRIBE');
      add({
        principal: kafkaPrincipal(consumer),
        resourceType: 'GROUP',
        patternType: 'PREFIXED',
        resourceName: consumer,
        operation: 'READ',
      });
    }
  }
  const superUsers = [...services].filter((s) => KAFKA_SUPER_USERS.includes(s));
  if (superUsers.length) {
    throw new Error(`topic table names the cluster's own identity ${superUsers.join(', ')} as a service`);
  }
  return [...bindings.values()].sort(
    (a, b) =>
      a.principal.localeCompare(b.principal) ||
      RESOURCE_ORDER[a.resourceType] - RESOURCE_ORDER[b.resourceType] ||
      a.resourceName.localeCompare(b.resourceName) ||
      a.operation.localeCompare(b.operation),
  );
}

/**
 * The ACL table as Markdown, one row per principal and resource with its operations joined: what the README shows
 * (a unit test compares the two) and what `npm run kafka:acls` prints.
 */
export function aclTableMarkdown(bindings: readonly AclBinding[] = topicAcls()): string {
  const rows = new Map<string, { b: AclBinding; ops: string[] }>();
  for (const b of bindings) {
    const key = [b.principal, b.resourceType, b.patternType, b.resourceName].join('\0');
    const row = rows.get(key) ?? { b, ops: [] };
    row.ops.push(b.operation);
    rows.set(key, row);
  }
  const lines = [
    '| Principal | Resource | Pattern | Name | Operations |',
    '| --- | --- | --- | --- | --- |',
    ...[...rows.values()].map(
      ({ b, ops }) =>
        `| ${b.principal} | ${b.resourceType} | ${b.patternType} | \`${b.resourceName}\` | ${ops.join(', ')} |`,
    ),
  ];
  return lines.join('\n');
}
