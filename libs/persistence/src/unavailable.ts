/**
 * Whether an error means the database could not be used right now — down, restarting, shutting down, out of
 * connections, or the connection broke mid-statement — rather than that the statement itself was wrong. Such a
 * failure is worth retrying later; callers learn it as UNAVAILABLE, never as an internal error.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let cause = e, depth = 0; cause && depth < 4; depth++) {
    if (typeof cause !== 'object') return false;
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
    if (typeof code === 'string' && NETWORK_ERRORS.has(code)) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGES.some((m) => message.includes(m))) return true;
    // TypeORM wraps the driver's error (QueryFailedError.driverError); Node's errors carry `cause`.
    cause = (cause as { driverError?: unknown }).driverError ?? (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** SQLSTATEs of an unusable server (class 08, connection exceptions, is matched by prefix). */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
]);

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/** What node-postgres says when a connection ends or cannot be had (it sets no code on these). */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'Client was closed and is not queryable',
];
