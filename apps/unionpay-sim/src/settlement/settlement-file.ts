/**
 * The daily settlement (reconciliation) file, profile §11. Fixed width, ASCII, CRLF, every record 149
 * characters with its fields separated by one space (the layout style of UnionPay's ZM files, fact sheet §1.8;
 * the fields and transaction codes are this profile's own).
 */
export const SETTLEMENT_FILE_VERSION = 'UPSIM01';
export const RECORD_LENGTH = 149;

export type SettlementCode = 'PUR' | 'PAC' | 'RFD' | 'CRD' | 'REV';
/** From the card account's side: D debits it (cardholder owes more), C credits it. */
export type Direction = 'D' | 'C';

export interface SettlementEntry {
  code: SettlementCode;
  acquirerId: string;
  terminalId: string;
  merchantId: string;
  stan: string;
  transmitted: string;
  rrn: string;
  maskedPan: string;
  amount: number;
  currencyNumeric: string;
  authCode: string;
  origStan: string;
  origTransmitted: string;
  direction: Direction;
}

export interface SettlementSummary {
  records: number;
  debitCount: number;
  debitTotal: number;
  creditCount: number;
  creditTotal: number;
  /** debitTotal − creditTotal: what the card accounts owe more after the day. */
  net: number;
}

/** [name, width, alignment] of each detail field, in order. */
export const DETAIL_LAYOUT: readonly [
  keyof SettlementEntry | 'type' | 'settlementAmount',
  number,
  'L' | 'R0',
][] = [
  ['type', 1, 'L'],
  ['code', 3, 'L'],
  ['acquirerId', 11, 'L'],
  ['terminalId', 8, 'L'],
  ['merchantId', 15, 'L'],
  ['stan', 6, 'R0'],
  ['transmitted', 10, 'R0'],
  ['rrn', 12, 'L'],
  ['maskedPan', 19, 'L'],
  ['amount', 12, 'R0'],
  ['currencyNumeric', 3, 'R0'],
  ['authCode', 6, 'L'],
  ['origStan', 6, 'L'],
  ['origTransmitted', 10, 'L'],
  ['settlementAmount', 13, 'L'],
];

function cell(value: string, width: number, align: 'L' | 'R0'): string {
  if (value.length > width) throw new Error(`settlement field longer than ${width}`);
  return align === 'L' ? value.padEnd(width, ' ') : value.padStart(width, '0');
}

function signed(amount: number, width: number): string {
  const sign = amount === 0 ? ' ' : amount > 0 ? 'D' : 'C';
  return `${sign}${String(Math.abs(amount)).padStart(width - 1, '0')}`;
}

function record(fields: string[]): string {
  const line = fields.join(' ');
  return line.padEnd(RECORD_LENGTH, ' ');
}

function compactDate(date: string): string {
  return date.replace(/-/g, '');
}

function beijingStamp(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function formatSettlementFile(p: {
  date: string;
  switchId: string;
  generatedAt: Date;
  entries: SettlementEntry[];
}): { content: string; summary: SettlementSummary } {
  const summary: SettlementSummary = {
    records: 0,
    debitCount: 0,
    debitTotal: 0,
    creditCount: 0,
    creditTotal: 0,
    net: 0,
  };
  const lines = [
    record([
      'H',
      SETTLEMENT_FILE_VERSION,
      compactDate(p.date),
      cell(p.switchId, 11, 'L'),
      beijingStamp(p.generatedAt),
    ]),
  ];
  for (const e of p.entries) {
    const values: Record<string, string> = {
      type: 'D',
      ...Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)])),
      settlementAmount: `${e.direction}${String(e.amount).padStart(12, '0')}`,
    };
    lines.push(record(DETAIL_LAYOUT.map(([name, width, align]) => cell(values[name], width, align))));
    summary.records++;
    if (e.direction === 'D') {
      summary.debitCount++;
      summary.debitTotal += e.amount;
    } else {
      summary.creditCount++;
      summary.creditTotal += e.amount;
    }
  }
  summary.net = summary.debitTotal - summary.creditTotal;
  lines.push(
    record([
      'T',
      cell(String(summary.records), 8, 'R0'),
      cell(String(summary.debitCount), 8, 'R0'),
      cell(String(summary.debitTotal), 15, 'R0'),
      cell(String(summary.creditCount), 8, 'R0'),
      cell(String(summary.creditTotal), 15, 'R0'),
      signed(summary.net, 16),
    ]),
  );
  return { content: `${lines.join('\r\n')}\r\n`, summary };
}

/** Reads a file back (reconciliation on the acquirer side, tests); throws on any layout violation. */
export function parseSettlementFile(content: string): {
  date: string;
  entries: SettlementEntry[];
  summary: SettlementSummary;
} {
  const lines = content.split('\r\n');
  if (lines.pop() !== '') throw new Error('settlement file must end with CRLF');
  if (lines.some((l) => l.length !== RECORD_LENGTH))
    throw new Error(`every record must be ${RECORD_LENGTH} characters`);
  const [head, ...rest] = lines;
  const tail = rest.pop();
  if (!head?.startsWith(`H ${SETTLEMENT_FILE_VERSION} `) || !tail?.startsWith('T '))
    throw new Error('missing header or trailer');
  const entries = rest.map((line) => {
    const out: Record<string, string> = {};
    let at = 0;
    for (const [name, width] of DETAIL_LAYOUT) {
      out[name] = line.slice(at, at + width);
      at += width + 1;
    }
    if (out.type !== 'D') throw new Error('unexpected record type');
    return {
      code: out.code as SettlementCode,
      acquirerId: out.acquirerId.trimEnd(),
      terminalId: out.terminalId.trimEnd(),
      merchantId: out.merchantId.trimEnd(),
      stan: out.stan,
      transmitted: out.transmitted,
      rrn: out.rrn.trimEnd(),
      maskedPan: out.maskedPan.trimEnd(),
      amount: Number(out.amount),
      currencyNumeric: out.currencyNumeric,
      authCode: out.authCode.trimEnd(),
      origStan: out.origStan.trimEnd(),
      origTransmitted: out.origTransmitted.trimEnd(),
      direction: out.settlementAmount[0] as Direction,
    };
  });
  const t = tail.split(' ');
  const net = t[6];
  const summary: SettlementSummary = {
    records: Number(t[1]),
    debitCount: Number(t[2]),
    debitTotal: Number(t[3]),
    creditCount: Number(t[4]),
    creditTotal: Number(t[5]),
    net: (net[0] === 'C' ? -1 : 1) * Number(net.slice(1)),
  };
  const d = head.slice(10, 18);
  return { date: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`, entries, summary };
}
