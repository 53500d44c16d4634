import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import { type Logger } from 'pino';
import { fixKafkajsIdleTimer } from './kafkajs-idle-fix';

fixKafkajsIdleTimer();

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warns whenever an idempotent producer has bounded retries. Ours are bounded on purpose: the relay keeps
 * unacknowledged rows and publishes them again, and consumers' inboxes absorb the duplicates, so the warning says
 * nothing an operator must act on and is logged at debug.
 */
const EXPECTED_WARNINGS = [/^Limiting retries for the idempotent producer/];

/**
 * Broker answers kafkajs logs at ERROR for every response although it retries them itself: a broker that has just
 * started is still loading its consumer-offsets partitions ("The coordinator is loading…"), electing leaders or
 * creating a topic. They are the normal first seconds of a broker, not faults, and logged at debug; one that
 * persists ends in kafkajs' own retries-exhausted error (a consumer crash, a failed send), which stays at error.
 */
const TRANSIENT_BROKER_ANSWERS = new Set([
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
  'This server does not host this topic-partition',
]);

function expected(message: string, extra: Record<string, unknown>): boolean {
  if (EXPECTED_WARNINGS.some((re) => re.test(message))) return true;
  return (
    message.startsWith('Response ') &&
    typeof extra.error === 'string' &&
    TRANSIENT_BROKER_ANSWERS.has(extra.error)
  );
}

/** Routes kafkajs' own logging into the service's structured logger instead of stdout. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const method = expected(message, extra) ? 'debug' : (LEVEL_NAMES[level] ?? 'info');
      logger[method]({ kafkajs: namespace, ...extra }, message);
    };
}

export interface KafkaClientConfig {
  clientId: string;
  brokers: string[];
  logger: Logger;
}

export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function createKafka(config: KafkaClientConfig): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(config.logger),
    retry: { initialRetryTime: 200, retries: 8 },
  });
}
