import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { Level } from 'pino';
import type { Logger } from './create-logger';

const NEST_TO_PINO: Record<NestLogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

// Nest's ConsoleLogger recognises a stack trace by this shape; we follow it so `error(msg, stack, ctx)` and
// `error(msg, ctx)` are told apart the same way.
const STACK_SHAPE = /^(.)+\n\s+at .+:\d+:\d+/;

/**
 * Nest's own start-up narration: a line per module loaded, controller resolved and route mapped (over half of a
 * service's start-up lines), and "starting"/"successfully started" (each service logs its own "service started"
 * with its addresses). Logged at debug: LOG_LEVEL=debug shows it again when a route seems missing.
 */
const BOOTSTRAP_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
  'NestMicroservice',
]);

interface ParsedCall {
  message: unknown;
  extra: unknown[];
  context?: string;
  stack?: string;
}

/**
 * Nest's LoggerService over a pino logger from `createLogger`, for `NestFactory.create(AppModule, { logger })` or
 * `app.useLogger(...)`. Nest's trailing context argument becomes the `context` field, an error's stack the
 * `stack` field (masked like everything the logger writes). Level filtering stays with pino (`LOG_LEVEL`).
 */
export class NestPinoLogger implements LoggerService {
  constructor(
    private readonly logger: Logger,
    private readonly context?: string,
  ) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    const call = this.parse(message, optionalParams);
    this.write(call.context && BOOTSTRAP_CONTEXTS.has(call.context) ? 'debug' : 'log', call);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', this.parseError(message, optionalParams));
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', this.parse(message, optionalParams));
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', this.parse(message, optionalParams));
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('verbose', this.parse(message, optionalParams));
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', this.parse(message, optionalParams));
  }

  private parse(message: unknown, params: unknown[]): ParsedCall {
    const last = params[params.length - 1];
    if (params.length > 0 && typeof last === 'string') {
      return { message, extra: params.slice(0, -1), context: last };
    }
    return { message, extra: params, context: this.context };
  }

  private parseError(message: unknown, params: unknown[]): ParsedCall {
    if (params.length === 1 && isStack(params[0])) {
      return { message, extra: [], stack: params[0], context: this.context };
    }
    const parsed = this.parse(message, params);
    const last = parsed.extra[parsed.extra.length - 1];
    if (params.length >= 2 && (typeof last === 'string' || last === undefined)) {
      return { ...parsed, extra: parsed.extra.slice(0, -1), stack: last };
    }
    return parsed;
  }

  private write(level: NestLogLevel, call: ParsedCall): void {
    const fields: Record<string, unknown> = {};
    if (call.context !== undefined) fields.context = call.context;
    if (call.stack !== undefined) fields.stack = call.stack;
    if (call.extra.length > 0) fields.details = call.extra;
    const target = this.logger[NEST_TO_PINO[level]].bind(this.logger);
    const { message } = call;
    if (message instanceof Error) {
      target({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      target({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      target(fields, String(message));
    }
  }
}

function isStack(value: unknown): value is string {
  return typeof value === 'string' && STACK_SHAPE.test(value);
}
