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

/** Routes kafkajs' own logging into the service's structured logger instead of stdout. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const expected = EXPECTED_WARNINGS.some((re) => re.test(message));
      const method = expected ? 'debug' : (LEVEL_NAMES[level] ?? 'info');
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
