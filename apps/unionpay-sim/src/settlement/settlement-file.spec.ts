import {
  formatSettlementFile,
  parseSettlementFile,
  RECORD_LENGTH,
  type SettlementEntry,
} from './settlement-file';

const entry = (over: Partial<SettlementEntry>): SettlementEntry => ({
  code: 'PUR',
  acquirerId: '49990000',
  terminalId: 'PAY00001',
  merchantId: '898440000000001',
  stan: '001171',
  transmitted: '0711154841',
  rrn: '154841001171',
  maskedPan: '622202*********0128',
  amount: 12_345,
  currencyNumeric: '156',
  authCode: '123456',
  origStan: '',
  origTransmitted: '',
  direction: 'D',
  ...over,
});

describe('settlement file layout', () => {
  it('writes fixed-width CRLF records with header, details and a trailer that totals them', () => {
    const { content, summary } = formatSettlementFile({
      date: '2025-07-11',
      switchId: '00010000',
      generatedAt: new Date('2025-07-11T16:30:00Z'),
      entries: [
        entry({}),
        entry({
          code: 'RFD',
          amount: 345,
          direction: 'C',
          origStan: '001170',
          origTransmitted: '0711154800',
        }),
      ],
    });
    const lines = content.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines.every((l) => l.length === RECORD_LENGTH)).toBe(true);
    expect(lines[0].trimEnd()).toBe('H UPSIM01 20250711 00010000    20250712003000');
    expect(lines[1].trimEnd()).toBe(
      'D PUR 49990000    PAY00001 898440000000001 001171 0711154841 154841001171 622202*********0128 000000012345 156 123456' +
        `${' '.repeat(19)}D000000012345`,
    );
    expect(lines[3].trimEnd()).toBe(
      'T 00000002 00000001 000000000012345 00000001 000000000000345 D000000000012000',
    );
    expect(summary).toEqual({
      records: 2,
      debitCount: 1,
      debitTotal: 12_345,
      creditCount: 1,
      creditTotal: 345,
      net: 12_000,
    });
    expect(parseSettlementFile(content)).toEqual({
      date: '2025-07-11',
      entries: [
        entry({}),
        entry({
          code: 'RFD',
          amount: 345,
          direction: 'C',
          origStan: '001170',
          origTransmitted: '0711154800',
        }),
      ],
      summary,
    });
  });

  it('marks a credit net with C and an empty day with a blank sign', () => {
    const credit = formatSettlementFile({
      date: '2025-07-11',
      switchId: '1',
      generatedAt: new Date(),
      entries: [entry({ direction: 'C' })],
    });
    expect(parseSettlementFile(credit.content).summary.net).toBe(-12_345);
    expect(credit.content).toContain(' C000000000012345');
    const empty = formatSettlementFile({
      date: '2025-07-11',
      switchId: '1',
      generatedAt: new Date(),
      entries: [],
    });
    expect(empty.content.split('\r\n')[1].trimEnd()).toBe(
      'T 00000000 00000000 000000000000000 00000000 000000000000000  000000000000000',
    );
  });

  it('refuses a file whose records are not all the same width', () => {
    const { content } = formatSettlementFile({
      date: '2025-07-11',
      switchId: '1',
      generatedAt: new Date(),
      entries: [entry({})],
    });
    expect(() => parseSettlementFile(content.replace('PUR ', 'PUR'))).toThrow(/149/);
  });
});
