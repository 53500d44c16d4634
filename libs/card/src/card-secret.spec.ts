import { serialize } from 'node:v8';
import { format, inspect } from 'node:util';
import { CardSecret } from './card-secret';
import { runtimePan } from './test-pans';

describe('CardSecret', () => {
  const pan = runtimePan();
  const card = new CardSecret(pan, '12', '2030');
  /** Every way the test turns a value into text must show neither the card number nor its expiry pair. */
  const expectNoCardData = (out: string) => {
    expect(out).not.toContain(pan);
    expect(out).not.toContain(pan.slice(6, -4));
    expect(out).not.toContain('2030');
  };

  it('gives the card data to code that asks for it by name', () => {
    expect([card.pan, card.expiryMonth, card.expiryYear]).toEqual([pan, '12', '2030']);
  });

  it('prints a placeholder through toString, template strings, concatenation and util.inspect/format', () => {
    const outputs = [
      String(card),
      `${card}`,
      'card ' + card,
      inspect(card),
      inspect({ nested: { deeper: [card] } }, { depth: 10, showHidden: true }),
      format('%s %o %O %j', card, card, card, card),
    ];
    for (const out of outputs) {
      expectNoCardData(out);
      expect(out).toContain('CardSecret(<redacted>)');
    }
  });

  it('serialises to the placeholder, alone or inside another object', () => {
    expect(JSON.stringify(card)).toBe('"CardSecret(<redacted>)"');
    const holder = { payment: 'p1', card, list: [card] };
    const json = JSON.stringify(holder);
    expectNoCardData(json);
    expect(JSON.parse(json)).toEqual({
      payment: 'p1',
      card: 'CardSecret(<redacted>)',
      list: ['CardSecret(<redacted>)'],
    });
  });

  it('has no own properties: keys, entries, spread, assign and for-in find nothing', () => {
    expect(Object.keys(card)).toEqual([]);
    expect(Object.entries(card)).toEqual([]);
    expect(Reflect.ownKeys(card)).toEqual([]);
    expect(Object.getOwnPropertyNames(card)).toEqual([]);
    expect({ ...card }).toEqual({});
    expect(Object.assign({}, card)).toEqual({});
    const seen: string[] = [];
    for (const key in card) seen.push(key);
    expect(seen).toEqual([]);
    expectNoCardData(JSON.stringify({ ...card }));
  });

  it('loses the card data in structuredClone and v8 serialisation instead of copying it', () => {
    const clone = structuredClone({ card }) as { card: unknown };
    expect(clone.card).toEqual({});
    expect(clone.card).not.toBeInstanceOf(CardSecret);
    expectNoCardData(JSON.stringify(clone));
    expect(serialize({ card }).includes(Buffer.from(pan))).toBe(false);
  });

  it('cannot be changed or given new properties', () => {
    expect(Object.isFrozen(card)).toBe(true);
    expect(() => Object.defineProperty(card, 'pan', { value: 'x' })).toThrow(TypeError);
    expect(() => ((card as unknown as Record<string, string>).leak = pan)).toThrow(TypeError);
    expect(card.pan).toBe(pan);
  });
});
