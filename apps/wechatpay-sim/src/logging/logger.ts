import { createLogger, NestPinoLogger, type Logger } from '@wxpay/observability';
import { type DestinationStream } from 'pino';

export type SimLogger = Logger;

/**
 * The simulator's one logger factory: the cluster's logger (card numbers masked, secret fields redacted, JSON
 * lines with UTC times). Keys and secrets are never passed to it; redaction is the second line of defence.
 */
export function createSimLogger(options: { level: string; destination?: DestinationStream }): SimLogger {
  return createLogger({
    service: 'wechatpay-sim',
    level: options.level,
    destination: options.destination,
  });
}

export { NestPinoLogger as NestLoggerAdapter };
