import { prettyFactory } from 'pino-pretty';

/**
 * How the launcher shows its apps' output. The services always write one JSON object per line (pino, card numbers
 * already masked there); `pretty` turns each into one readable line, `json` passes them on as they were written.
 */
export type LogFormat = 'pretty' | 'json';

export interface AppOutput {
  format: LogFormat;
  /** ANSI colours (the app's name, the level): only on a terminal, never with NO_COLOR. */
  color: boolean;
  /** The app names' width, so that the lines of every app start in the same column. */
  nameWidth?: number;
}

const FORMATS: readonly string[] = ['pretty', 'json'];

/** `LOG_FORMAT=json|pretty` (default pretty); anything else is refused rather than guessed. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  const value = env.LOG_FORMAT?.trim().toLowerCase() || 'pretty';
  if (!FORMATS.includes(value)) {
    throw new Error(`LOG_FORMAT must be one of ${FORMATS.join(', ')}; got ${JSON.stringify(env.LOG_FORMAT)}`);
  }
  return value as LogFormat;
}

/** Colours when the stream is a terminal, unless NO_COLOR is set (https://no-color.org); FORCE_COLOR forces them. */
export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** The launcher's own choice for a process writing to this one's stdout. */
export function defaultAppOutput(env: NodeJS.ProcessEnv = process.env): AppOutput {
  return { format: logFormatFromEnv(env), color: colorWanted(process.stdout, env) };
}

export function paint(text: string, sgr: number, color: boolean): string {
  return color ? `\x1b[${sgr}m${text}\x1b[0m` : text;
}

/** Foreground colours for the apps' names, in start order; red is left to error lines. */
const APP_COLORS = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One app's line formatter: `[name] <the line>`, the name in the app's colour. In `pretty` a JSON record becomes
 * `[name] [time] LEVEL: [context] msg {the other fields}` on one line (pino-pretty; `service`, `pid` and `hostname`
 * are left out, the prefix names the app); a line that is not a JSON object (a crash's stack on stderr, a
 * library's console output) is passed on unchanged after the prefix. In `json` a record is passed on exactly as
 * the app wrote it, without a prefix (it names its `service`), so the output stays parseable line by line.
 */
export function createLineFormatter(
  name: string,
  colorIndex: number,
  output: AppOutput,
): (line: string) => string {
  const tag = `[${name}]`;
  const padding = ' '.repeat(Math.max(0, (output.nameWidth ?? 0) + 2 - tag.length));
  const prefix = `${paint(tag, APP_COLORS[colorIndex % APP_COLORS.length]!, output.color)}${padding} `;
  if (output.format === 'json') {
    return (line) => (parseRecord(line) ? line : prefix + line);
  }
  const pretty = prettyFactory({
    colorize: output.color,
    singleLine: true,
    // Errors too stay on their line (their stack inside the fields), so every line shows which app wrote it.
    errorLikeObjectKeys: [],
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return (line) => {
    const record = parseRecord(line);
    if (!record) return prefix + line;
    // A message with line breaks of its own: each of its lines still starts with the app's name.
    return pretty(record)
      .replace(/\r?\n$/, '')
      .split(/\r?\n/)
      .map((l) => prefix + l)
      .join('\n');
  };
}
