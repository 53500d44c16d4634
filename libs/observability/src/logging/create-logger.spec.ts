import type { DestinationStream } from 'pino';
import { luhnValid, masked } from '../testing/luhn-fixtures';
import { createLogger, LoggerConfigError } from './create-logger';
import { NestPinoLogger } from './nest-pino-logger';
import { REDACTED } from './secret-keys';

class CapturingDestination implements DestinationStream {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  last(): Record<string, unknown> {
    const all = this.records();
    return all[all.length - 1];
  }
}

const pan = luhnValid('622202', 16);
const pan19 = luhnValid('621700', 19);

function setup(level?: string) {
  const out = new CapturingDestination();
  const logger = createLogger({ service: 'payment', destination: out, level });
  return { out, logger };
}

describe('createLogger', () => {
  it('writes one JSON line per record with service, label level, UTC ISO time and msg', () => {
    const { out, logger } = setup();
    logger.info({ paymentId: 'p-1' }, 'created');
    const rec = out.last();
    expect(rec).toMatchObject({ level: 'info', service: 'payment', paymentId: 'p-1', msg: 'created' });
    expect(rec.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(out.lines[0].endsWith('\n')).toBe(true);
  });

  it('masks PANs in the message, interpolated values and nested strings', () => {
    const { out, logger } = setup();
    logger.info({ note: { deep: [`tried ${pan19}`] } }, 'card %s then %o', pan, { memo: pan19 });
    const line = out.lines[0];
    expect(line).not.toContain(pan);
    expect(line).not.toContain(pan19);
    const rec = out.last();
    expect(rec.msg).toBe(`card ${masked(pan)} then {"memo":"${masked(pan19)}"}`);
    expect(rec.note).toEqual({ deep: [`tried ${masked(pan19)}`] });
  });

  it('masks a PAN logged as a number and keeps the line valid JSON', () => {
    const { out, logger } = setup();
    const pan13 = luhnValid('4', 13);
    logger.info({ n: Number(pan13), big: BigInt(pan19) });
    expect(out.last()).toMatchObject({ n: masked(pan13), big: masked(pan19) });
  });

  it('masks PANs in error messages and stacks, at the top level and nested', () => {
    const { out, logger } = setup();
    const err = new Error(`issuer rejected ${pan}`, { cause: new Error(`lookup ${pan19}`) });
    logger.error(err);
    logger.warn({ result: { failure: err } }, 'nested');
    expect(out.lines.join('')).not.toMatch(new RegExp(`${pan}|${pan19}`));
    const [top, nested] = out.records();
    expect(top.msg).toBe(`issuer rejected ${masked(pan)}`);
    expect(top.err).toMatchObject({ type: 'Error', message: `issuer rejected ${masked(pan)}` });
    expect((top.err as { stack: string }).stack).toContain(`Error: issuer rejected ${masked(pan)}`);
    expect((top.err as { cause: { message: string } }).cause.message).toBe(`lookup ${masked(pan19)}`);
    expect((nested.result as { failure: { message: string } }).failure.message).toBe(
      `issuer rejected ${masked(pan)}`,
    );
  });

  it('redacts secret fields by name at any depth, in arrays, interpolated objects and error fields', () => {
    const { out, logger } = setup();
    const err = Object.assign(new Error('bad key'), { apiV3Key: 'k'.repeat(32), code: 'E_KEY' });
    logger.info(
      {
        card: { pan: 'x', card_no: 'x', cardNumber: 'x', CVN2: '123', expiryYear: 2030, last4: '7894' },
        headers: { Authorization: 'WECHATPAY2-SM2-WITH-SM3 sig', 'content-type': 'application/json' },
        keys: [{ kek: 'aa', dek: 'bb', keyMaterial: 'cc', merchantPrivateKey: 'dd', apiv3_key: 'ee' }],
        db: { password: 'p', secret: 's', pin: '0000', cvv: '1', cvc: '2', private_key: 'pk' },
        err,
      },
      'with %j',
      { nested: { password: 'p2' } },
    );
    const rec = out.last();
    expect(rec.card).toEqual({
      pan: REDACTED,
      card_no: REDACTED,
      cardNumber: REDACTED,
      CVN2: REDACTED,
      expiryYear: 2030,
      last4: '7894',
    });
    expect(rec.headers).toEqual({ Authorization: REDACTED, 'content-type': 'application/json' });
    expect(rec.keys).toEqual([
      {
        kek: REDACTED,
        dek: REDACTED,
        keyMaterial: REDACTED,
        merchantPrivateKey: REDACTED,
        apiv3_key: REDACTED,
      },
    ]);
    expect(rec.db).toEqual({
      password: REDACTED,
      secret: REDACTED,
      pin: REDACTED,
      cvv: REDACTED,
      cvc: REDACTED,
      private_key: REDACTED,
    });
    expect(rec.err).toMatchObject({ message: 'bad key', code: 'E_KEY', apiV3Key: REDACTED });
    expect(rec.msg).toBe('with {"nested":{"password":"[REDACTED]"}}');
  });

  it('does not change the caller’s objects', () => {
    const { logger } = setup();
    const payload = { password: 'p', inner: { pan } };
    logger.info(payload);
    expect(payload).toEqual({ password: 'p', inner: { pan } });
  });

  it('sanitises child bindings at every level and survives cycles', () => {
    const { out, logger } = setup();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const child = logger.child({ secret: 's', ref: `c ${pan}` }).child({ token: 'tok_123', password: 'p' });
    child.info({ cyclic }, 'hi');
    const rec = out.last();
    expect(rec).toMatchObject({
      secret: REDACTED,
      ref: `c ${masked(pan)}`,
      token: 'tok_123',
      password: REDACTED,
    });
    expect(rec.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
  });

  it('takes its level from LOG_LEVEL, defaulting to info, and rejects unknown levels clearly', () => {
    const saved = process.env.LOG_LEVEL;
    try {
      process.env.LOG_LEVEL = 'warn';
      expect(setup().logger.level).toBe('warn');
      delete process.env.LOG_LEVEL;
      expect(setup().logger.level).toBe('info');
      expect(setup('debug').logger.level).toBe('debug');
      process.env.LOG_LEVEL = 'loud';
      expect(() => setup()).toThrow(LoggerConfigError);
      expect(() => setup()).toThrow(/LOG_LEVEL must be one of/);
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
  });
});

describe('NestPinoLogger', () => {
  it('maps Nest levels and the trailing context argument', () => {
    const { out, logger } = setup('trace');
    const nest = new NestPinoLogger(logger, 'Default');
    nest.log('rules reloaded', 'RulesController');
    nest.verbose('detail');
    nest.warn({ event: 'slow' });
    expect(out.records()).toEqual([
      expect.objectContaining({ level: 'info', context: 'RulesController', msg: 'rules reloaded' }),
      expect.objectContaining({ level: 'trace', context: 'Default', msg: 'detail' }),
      expect.objectContaining({ level: 'warn', context: 'Default', event: 'slow' }),
    ]);
  });

  it("logs Nest's start-up narration (modules, routes, started) at debug, its warnings as they are", () => {
    const { out, logger } = setup('info');
    const nest = new NestPinoLogger(logger);
    nest.log('Mapped {/health/live, GET} route', 'RouterExplorer');
    nest.log('AppModule dependencies initialized', 'InstanceLoader');
    nest.log('Nest application successfully started', 'NestApplication');
    nest.warn('a deprecated option', 'NestFactory');
    expect(out.records()).toEqual([
      expect.objectContaining({ level: 'warn', context: 'NestFactory', msg: 'a deprecated option' }),
    ]);
    const { out: verbose, logger: debugLogger } = setup('debug');
    new NestPinoLogger(debugLogger).log('Mapped {/health/live, GET} route', 'RouterExplorer');
    expect(verbose.last()).toMatchObject({ level: 'debug', context: 'RouterExplorer' });
  });

  it('tells a stack from a context in error() the way Nest does, and masks both', () => {
    const { out, logger } = setup();
    const nest = new NestPinoLogger(logger);
    const stack = `Error: card ${pan}\n    at handler (/app/main.js:10:5)`;
    nest.error(`failed for ${pan}`, stack, 'PaymentsController');
    nest.error('only context', 'KafkaServer');
    nest.error(new Error(`boom ${pan}`));
    const [withStack, withContext, fromError] = out.records();
    expect(withStack).toMatchObject({ msg: `failed for ${masked(pan)}`, context: 'PaymentsController' });
    expect(withStack.stack).toBe(`Error: card ${masked(pan)}\n    at handler (/app/main.js:10:5)`);
    expect(withContext).toMatchObject({ msg: 'only context', context: 'KafkaServer' });
    expect(withContext.stack).toBeUndefined();
    expect(fromError).toMatchObject({ msg: `boom ${masked(pan)}`, err: { message: `boom ${masked(pan)}` } });
  });
});

describe('createLogger with hostile values', () => {
  it('drops a record whose fields throw when read, instead of throwing or leaking', () => {
    const { out, logger } = setup();
    const hostile = {
      get pan(): string {
        throw new Error('no');
      },
      toJSON() {
        throw new Error('no');
      },
    };
    expect(() => logger.info({ hostile }, 'still logged')).not.toThrow();
    expect(out.last()).toMatchObject({ msg: 'still logged', logRecordDropped: expect.any(String) });
  });
});

describe('query parameters of failed statements', () => {
  it('redacts the bind values a QueryFailedError carries', () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 'redaction-test',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      query: 'INSERT INTO webhook_inbox (payload) VALUES ($1)',
      parameters: ['{"payer":"o-openid-secretish"}'],
    });
    logger.error({ err }, 'store failed');
    expect(lines.join('')).not.toContain('o-openid-secretish');
    expect(lines.join('')).toContain('[REDACTED]');
  });
});
