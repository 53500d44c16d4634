import {
  AutoRepaymentService,
  PaymentsService,
  RiskEngineService,
  TokenVaultService,
} from '@wxpay/contracts';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { BufferReader, withBufferReader } from './buffer-reader';
import { type ServiceDefinition } from './service-definition';

const SERVICES: ServiceDefinition[] = [
  AutoRepaymentService,
  PaymentsService,
  RiskEngineService,
  TokenVaultService,
];

/** A string of each kind the fast path must tell apart: short and long ASCII, Chinese, and a lone high byte's neighbour. */
const TEXTS = ['', 'tok_9f3a', 'a'.repeat(200), '深圳市南山区', 'caf\u00e9', '\u{1F4B3} card'];

describe('BufferReader', () => {
  it.each(TEXTS)('reads %j as @bufbuild does, and the field after it', (text) => {
    const bytes = new BinaryWriter().tag(1, 2).string(text).tag(2, 0).uint32(7).finish();
    const reader = new BufferReader(Buffer.from(bytes));
    reader.tag();
    expect(reader.string()).toBe(text);
    expect(reader.tag()[0]).toBe(2);
    expect(reader.uint32()).toBe(7);
  });

  it('refuses a string longer than what is left, as @bufbuild does', () => {
    const bytes = Buffer.from([0x0a, 0x05, 0x61, 0x62]);
    const reader = new BufferReader(bytes);
    reader.tag();
    expect(() => reader.string()).toThrow('premature EOF');
  });

  it('decodes invalid UTF-8 as @bufbuild does (replacement characters, not Latin-1)', () => {
    const bytes = Buffer.from([0x0a, 0x03, 0x61, 0xff, 0x62]);
    const reader = new BufferReader(bytes);
    reader.tag();
    expect(reader.string()).toBe('a\ufffdb');
  });
});

describe('withBufferReader on every generated method', () => {
  const methods = SERVICES.flatMap((s) => Object.values(s));

  it.each(methods.map((m) => [m.path, m]))(
    '%s decodes its request as the generated decoder does',
    (_, method) => {
      for (const text of TEXTS) {
        const request: Record<string, unknown> = { ...method.requestDeserialize(Buffer.alloc(0)) };
        // string fields decode to '' when absent (64-bit integers to '0', enums to a name)
        const strings = Object.keys(request).filter((k) => request[k] === '');
        for (const key of strings) request[key] = `${key}:${text}`;
        const bytes = method.requestSerialize(request);
        const fast: unknown = withBufferReader(method).requestDeserialize(bytes);
        expect(fast).toEqual(method.requestDeserialize(bytes));
        if (strings.length)
          expect((fast as Record<string, unknown>)[strings[0]!]).toBe(`${strings[0]}:${text}`);
      }
    },
  );
});
