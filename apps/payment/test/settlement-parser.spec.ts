import { parseSettlementRecords, SettlementFileError } from '../src/adapters/unionpay/settlement-file.parser';

const pad = (s: string) => s.padEnd(149, ' ');

function detail(code: string, stan: string, rrn: string, amount: number, direction: 'D' | 'C'): string {
  const fields = [
    'D',
    code,
    '49990000'.padEnd(11),
    'PAY00001',
    '898440000000001',
    stan,
    '1125153000',
    rrn.padEnd(12),
    '622202******1234'.padEnd(19),
    String(amount).padStart(12, '0'),
    '156',
    '123456',
    ''.padEnd(6),
    ''.padEnd(10),
    `${direction}${String(amount).padStart(12, '0')}`,
  ];
  return pad(fields.join(' '));
}

describe('settlement file parser', () => {
  it('reads detail records between the header and the trailer', () => {
    const content = [
      pad('H UPSIM01 20261125 00010000    20261126023000'),
      detail('PAC', '000123', '112515000123', 1000, 'D'),
      detail('RFD', '000124', '112515000124', 300, 'C'),
      pad('T 00000002'),
      '',
    ].join('\r\n');
    expect(parseSettlementRecords(content)).toEqual([
      {
        code: 'PAC',
        terminalId: 'PAY00001',
        stan: '000123',
        rrn: '112515000123',
        amountMinor: 1000,
        currencyNumeric: '156',
        direction: 'D',
      },
      {
        code: 'RFD',
        terminalId: 'PAY00001',
        stan: '000124',
        rrn: '112515000124',
        amountMinor: 300,
        currencyNumeric: '156',
        direction: 'C',
      },
    ]);
  });

  it('refuses a file that does not follow the layout', () => {
    expect(() => parseSettlementRecords('H short\r\n')).toThrow(SettlementFileError);
    expect(() => parseSettlementRecords(`${pad('H x')}\r\n${pad('T 0')}`)).toThrow(SettlementFileError);
  });
});
