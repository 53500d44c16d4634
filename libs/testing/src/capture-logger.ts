import pino, { type Logger } from 'pino';
import { Writable } from 'stream';

/** A pino logger whose JSON lines are kept in memory, for tests that assert what was (not) logged. */
export function captureLogger(level: pino.Level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
