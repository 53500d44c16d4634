/**
 * Every Kafka topic of the cluster, declared once. Each has a `.dlq` twin where messages that could not be
 * processed land with their error. Keys are aggregate ids so one aggregate's events stay in order.
 */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** How long Kafka keeps messages; consumers' inbox rows are pruned after the same period. */
  readonly retentionMs: number;
  readonly description: string;
  /** The principals (service names) that publish it: the only ones its ACLs let write, and the signers consumers accept. */
  readonly producers: readonly string[];
  /** The principals that consume it (each in consumer groups named after itself). */
  readonly consumers: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

const PREFIX_PATTERN = /^[A-Za-z0-9._-]{0,100}$/;

/**
 * KAFKA_TOPIC_PREFIX, put in front of every topic name: a cluster shared by several deployments (or a test run
 * beside a running cluster, see tools/jest/test-topics.js) keeps its events apart, and ACLs can be granted by prefix.
 * Empty by default. Read once, when this module loads, by every process alike.
 */
export function topicPrefixFrom(value: string | undefined): string {
  const prefix = value ?? '';
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error("KAFKA_TOPIC_PREFIX: at most 100 of A-Z a-z 0-9 . _ - (a Kafka topic name's characters)");
  }
  return prefix;
}

export const TOPIC_PREFIX = topicPrefixFrom(process.env.KAFKA_TOPIC_PREFIX);

interface Flow {
  producers: readonly string[];
  consumers: readonly string[];
}

function topic(
  name: string,
  partitions: number,
  retentionDays: number,
  description: string,
  flow: Flow,
): TopicSpec {
  return {
    name: `${TOPIC_PREFIX}${name}`,
    partitions,
    retentionMs: retentionDays * DAY_MS,
    description,
    ...flow,
  };
}

export const Topics = {
  wechatpayNotifications: topic(
    'wechatpay.notifications.v1',
    6,
    7,
    'Verified, decrypted WeChat Pay notification facts (never ciphertext, never a card number)',
    { producers: ['payment'], consumers: ['repayment'] },
  ),
  paymentsLifecycle: topic('payments.lifecycle.v1', 6, 7, 'PaymentCreated … PaymentRefunded', {
    producers: ['payment'],
    consumers: ['risk'],
  }),
  cardsLifecycle: topic(
    'cards.lifecycle.v1',
    3,
    7,
    'CardTokenized, CardSuspended, CardResumed, CardDeleted, KeysRotated',
    { producers: ['tokenization'], consumers: ['risk'] },
  ),
  riskDecisions: topic('risk.decisions.v1', 6, 7, 'Every risk decision with its reasons', {
    producers: ['risk'],
    consumers: [],
  }),
  riskAlerts: topic('risk.alerts.v1', 3, 30, 'Alerts raised by post-event monitoring', {
    producers: ['risk'],
    consumers: [],
  }),
  statements: topic('statements.v1', 3, 30, 'StatementIssued: amount due, minimum due, due date', {
    producers: ['card-system'],
    consumers: ['repayment'],
  }),
  repaymentsLifecycle: topic(
    'repayments.lifecycle.v1',
    3,
    30,
    'RepaymentScheduled, DeductionRequested, RepaymentSucceeded, RepaymentFailed',
    { producers: ['repayment'], consumers: [] },
  ),
} as const satisfies Record<string, TopicSpec>;

export const DLQ_SUFFIX = '.dlq';

export function dlqTopicOf(topicName: string): string {
  return `${topicName}${DLQ_SUFFIX}`;
}

/** The topics to create: each declared topic and its dead-letter twin (DLQs are kept longer for inspection). */
export function allTopicSpecs(): TopicSpec[] {
  return Object.values(Topics).flatMap((t) => [
    t,
    {
      ...t,
      name: dlqTopicOf(t.name),
      partitions: 1,
      retentionMs: 30 * DAY_MS,
      description: `Dead letters of ${t.name}`,
      // The consumers of a topic put its dead letters there; operators read them.
      producers: t.consumers,
      consumers: [],
    },
  ]);
}
