import { captureLogger } from '@wxpay/testing';
import { logLevel } from 'kafkajs';
import { kafkajsLogCreator } from './kafka-client';

function logged(message: string, extra: Record<string, unknown>, level = logLevel.ERROR) {
  const { logger, lines } = captureLogger('debug');
  kafkajsLogCreator(logger)(logLevel.DEBUG)({
    namespace: 'Connection',
    level,
    label: 'ERROR',
    log: { timestamp: new Date().toISOString(), message, ...extra },
  });
  return JSON.parse(lines[0]!) as { level: number; msg: string; kafkajs: string; error?: string };
}

const PINO = { debug: 20, error: 50 };

describe('kafkajs logging', () => {
  it("logs a broker's start-up answers that kafkajs retries itself at debug, not error", () => {
    const line = logged('Response GroupCoordinator(key: 10, version: 2)', {
      error: "The coordinator is loading and hence can't process requests for this group",
      correlationId: 3,
    });
    expect(line).toMatchObject({ level: PINO.debug, kafkajs: 'Connection' });
    expect(
      logged('Response Metadata(key: 3, version: 6)', {
        error: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
      }).level,
    ).toBe(PINO.debug);
  });

  it('keeps every other broker error at error', () => {
    const line = logged('Response Produce(key: 0, version: 7)', {
      error: 'Topic authorization failed',
    });
    expect(line).toMatchObject({ level: PINO.error, error: 'Topic authorization failed' });
    expect(logged('Crash: KafkaJSNumberOfRetriesExceeded', {}).level).toBe(PINO.error);
  });
});
