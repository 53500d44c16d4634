import { colorWanted, createLineFormatter, logFormatFromEnv, type AppOutput } from './log-format';

const PLAIN: AppOutput = { format: 'pretty', color: false };
const TIME = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;
const ESC = '\x1b[';

function record(fields: Record<string, unknown>): string {
  return JSON.stringify({
    level: 'info',
    time: '2025-06-01T08:30:15.123Z',
    service: 'payment',
    pid: 4242,
    hostname: 'devbox',
    ...fields,
  });
}

describe('the launcher’s log lines', () => {
  it('shows a JSON record on one line: the app’s name, time, level, context and message, then the other fields', () => {
    const format = createLineFormatter('payment', 0, PLAIN);
    const out = format(
      record({ context: 'Bootstrap', msg: 'service started', grpc: '127.0.0.1:50051', trace_id: 'abc' }),
    );
    expect(out).toMatch(
      new RegExp(
        `^\\[payment\\] ${TIME} INFO: \\[Bootstrap\\] service started \\{"grpc":"127.0.0.1:50051","trace_id":"abc"\\}$`,
      ),
    );
    expect(out).not.toContain('\n');
    // The prefix names the app: service, pid and hostname are not repeated.
    expect(out).not.toMatch(/devbox|4242|"service"/);
  });

  it('keeps error and warn lines visible, labelled, with their fields (stack included) on the same line', () => {
    const format = createLineFormatter('tokenization', 1, PLAIN);
    const error = format(
      record({
        level: 'error',
        msg: 'detokenize failed',
        err: {
          type: 'Error',
          message: 'card 622202******1234 refused',
          stack: 'Error: x\n    at f (a.ts:1:2)',
        },
      }),
    );
    expect(error).toMatch(new RegExp(`^\\[tokenization\\] ${TIME} ERROR: detokenize failed \\{"err":`));
    expect(error).not.toContain('\n');
    // What the service masked stays masked: the launcher only re-lays the line out.
    expect(error).toContain('622202******1234');
    expect(error).toContain(String.raw`Error: x\n    at f (a.ts:1:2)`);
    expect(format(record({ level: 'warn', msg: 'slow' }))).toMatch(/ WARN: slow$/);
    expect(format(record({ level: 'fatal', msg: 'bye' }))).toMatch(/ FATAL: bye$/);
  });

  it('passes a line that is not a JSON object through unchanged, after the app’s name', () => {
    const format = createLineFormatter('risk', 2, PLAIN);
    for (const line of [
      'node:internal/process: Error: boom',
      '    at Object.<anonymous> (/x.ts:1:1)',
      '{"unterminated": ',
      '[1,2,3]',
      'null',
      '',
    ]) {
      expect(format(line)).toBe(`[risk] ${line}`);
    }
  });

  it('starts every line of a multi-line message with the app’s name', () => {
    const lines = createLineFormatter('risk', 2, PLAIN)(record({ msg: 'first\nsecond' })).split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\[risk\] /);
  });

  it('lines the apps up after names of different lengths', () => {
    const output = { ...PLAIN, nameWidth: 'tokenization'.length };
    const a = createLineFormatter('risk', 0, output)('plain');
    const b = createLineFormatter('tokenization', 1, output)('plain');
    expect(a.indexOf('plain')).toBe(b.indexOf('plain'));
    expect(a).toBe('[risk]         plain');
    const colored = createLineFormatter('risk', 0, { ...output, color: true })('plain');
    expect(colored).toBe(`${ESC}36m[risk]${ESC}0m         plain`);
  });

  it('colours the app’s name and the level only when asked, red for errors', () => {
    const plain = createLineFormatter('payment', 0, PLAIN)(record({ level: 'error', msg: 'x' }));
    expect(plain).not.toContain(ESC);
    const colored = createLineFormatter('payment', 0, { ...PLAIN, color: true });
    const error = colored(record({ level: 'error', msg: 'x' }));
    expect(error.startsWith(`${ESC}36m[payment]${ESC}0m `)).toBe(true);
    expect(error).toContain(`${ESC}31mERROR`);
    expect(colored('not json')).toBe(`${ESC}36m[payment]${ESC}0m not json`);
    // No app gets red, the colour of errors.
    for (let i = 0; i < 12; i++) {
      expect(createLineFormatter('a', i, { ...PLAIN, color: true })('x').startsWith(`${ESC}31m`)).toBe(false);
    }
  });

  it('in JSON mode passes records on exactly as written and prefixes only the other lines', () => {
    const format = createLineFormatter('payment', 0, { format: 'json', color: false });
    const line = record({ level: 'error', msg: 'as written', card: '622202******1234' });
    expect(format(line)).toBe(line);
    expect(JSON.parse(format(line))).toMatchObject({ service: 'payment', msg: 'as written' });
    expect(format('Error: not a record')).toBe('[payment] Error: not a record');
  });

  it('reads LOG_FORMAT and refuses a value it does not know', () => {
    expect(logFormatFromEnv({})).toBe('pretty');
    expect(logFormatFromEnv({ LOG_FORMAT: '' })).toBe('pretty');
    expect(logFormatFromEnv({ LOG_FORMAT: 'JSON' })).toBe('json');
    expect(logFormatFromEnv({ LOG_FORMAT: 'pretty' })).toBe('pretty');
    expect(() => logFormatFromEnv({ LOG_FORMAT: 'yaml' })).toThrow(
      /LOG_FORMAT must be one of pretty, json; got "yaml"/,
    );
  });

  it('colours only a terminal, never with NO_COLOR, always with FORCE_COLOR', () => {
    expect(colorWanted({ isTTY: true }, {})).toBe(true);
    expect(colorWanted({ isTTY: false }, {})).toBe(false);
    expect(colorWanted({}, {})).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });
});
