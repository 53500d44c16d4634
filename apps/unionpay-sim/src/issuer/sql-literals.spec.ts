import { arrayLiteral, literal } from './sql-literals';

describe('SQL literals for simple-protocol statements', () => {
  it('escapes strings, refuses unsafe numbers and renders NULL', () => {
    expect(literal("O'Brien")).toBe("'O''Brien'");
    expect(literal(42)).toBe('42');
    expect(literal(null)).toBe('NULL');
    expect(() => literal(1.5)).toThrow(/safe integers/);
    expect(() => literal(2 ** 60)).toThrow(/safe integers/);
  });

  it('renders arrays as one quoted literal with escaped elements', () => {
    expect(arrayLiteral(['a', null, 'b'], 'text')).toBe(`'{"a",NULL,"b"}'::text[]`);
    expect(arrayLiteral([1, 2], 'bigint')).toBe(`'{1,2}'::bigint[]`);
    expect(arrayLiteral([], 'date')).toBe(`'{}'::date[]`);
    // Quotes and backslashes are escaped inside the element, then escapeLiteral doubles the backslashes (E'').
    expect(arrayLiteral(['b"c', 'a\\b'], 'text')).toBe(String.raw` E'{"b\\"c","a\\\\b"}'::text[]`);
  });
});
