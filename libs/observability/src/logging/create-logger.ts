import { hostname } from 'node:os';
import pino, { Bindings, DestinationStream, Level, LogFn, Logger as PinoLogger } from 'pino';
import { isTracing, logTraceFields } from '../tracing/tracing';
import { maskPansInJson } from './json-line-masking';
import { createSanitizer } from './record-sanitizer';

export type Logger = PinoLogger;
export type LogLevel = Level | 'silent';

export interface CreateLoggerOptions {
  /** Written into every record as `service`. */
  service: string;
  /** Defaults to the `LOG_LEVEL` environment variable, then `info`. */
  level?: string;
  /** Where JSON lines go; stdout when absent. Tests pass a capturing stream. */
  destination?: DestinationStream;
  /** Field names to redact on top of the built-in list. */
  extraSecretKeys?: readonly string[];
  /** More fields for every record (e.g. `version`), after `service`. */
  base?: Record<string, unknown>;
}

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A bad logger configuration, reported with the offending setting (never with a logged value). */
export class LoggerConfigError extends Error {
  override readonly name = 'LoggerConfigError';
}

function resolveLevel(explicit: string | undefined): LogLevel {
  const fromEnv = process.env.LOG_LEVEL?.trim();
  const level = (explicit ?? (fromEnv === '' ? undefined : fromEnv) ?? 'info').toLowerCase();
  if (!LEVELS.includes(level)) {
    throw new LoggerConfigError(`LOG_LEVEL must be one of ${LEVELS.join(', ')}; got "${level}"`);
  }
  return level as LogLevel;
}

/**
 * A pino logger writing one JSON object per line: `level` (label), `time` (UTC ISO-8601), `service`, `pid`,
 * `hostname`, then the record's fields and `msg`.
 *
 * Card data never leaves it in clear, in two passes:
 * 1. every record object, interpolation argument and child binding goes through the sanitizer: secret field
 *    names are redacted at any depth and Errors anywhere are serialised with their own fields redacted;
 * 2. the finished line is PAN-masked (`maskPansInJson`), which covers the message, error messages and stacks,
 *    and anything a serializer produced. Lines without a run of 13 digits skip this after one regex test.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const sanitize = createSanitizer({ extraSecretKeys: options.extraSecretKeys });
  const sanitizeRecord = (record: Record<string, unknown>): Record<string, unknown> => {
    try {
      return sanitize(record) as Record<string, unknown>;
    } catch {
      // A throwing getter or toJSON: dropping the fields is safer than writing them unchecked, and a log call
      // must never throw into the code that made it.
      return { logRecordDropped: 'a field could not be read for sanitising' };
    }
  };

  const logger = pino(
    {
      level: resolveLevel(options.level),
      base: sanitizeRecord({
        service: options.service,
        pid: process.pid,
        hostname: hostname(),
        ...options.base,
      }),
      timestamp: pino.stdTimeFunctions.isoTime,
      // The active span's ids, so a line found in the logs leads to its trace (a service starts tracing before it
      // creates its logger; without tracing the logger has no mixin at all).
      ...(isTracing() ? { mixin: logTraceFields } : {}),
      formatters: {
        level: (label) => ({ level: label }),
        log: sanitizeRecord,
      },
      // The record pass has already turned errors into plain objects; pino's own serializer would rename them.
      serializers: { err: (err: unknown) => err },
      hooks: {
        logMethod(args, method) {
          method.apply(this, sanitizeInterpolationArgs(args, sanitize));
        },
        streamWrite: maskPansInJson,
      },
    },
    options.destination,
  );

  // Children inherit this property through their prototype chain, so bindings are sanitised at every level.
  const pinoChild = logger.child;
  logger.child = function sanitisedChild(this: Logger, bindings: Bindings, childOptions?: object) {
    return pinoChild.call(this, sanitize(bindings) as Bindings, childOptions);
  } as Logger['child'];
  return logger;
}

/** `%o`/`%j` arguments are stringified into the message, after the record pass; sanitise them here. */
function sanitizeInterpolationArgs(
  args: Parameters<LogFn>,
  sanitize: (value: unknown) => unknown,
): Parameters<LogFn> {
  if (args.length < 2) return args;
  const firstInterpolated = typeof args[0] === 'string' ? 1 : 2;
  if (args.length <= firstInterpolated) return args;
  const out = [...args] as unknown[];
  for (let i = firstInterpolated; i < out.length; i++) out[i] = sanitize(out[i]);
  return out as Parameters<LogFn>;
}
