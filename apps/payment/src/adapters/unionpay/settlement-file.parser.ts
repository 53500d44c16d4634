/**
 * Reads the channel's settlement file (docs/unionpay-profile.md §11, as the simulator writes it): fixed-width
 * ASCII records of 149 characters separated by CRLF, fields separated by one space; H header, D details,
 * T trailer. Only what reconciliation needs is kept. Throws on a file that does not follow the layout.
 */
export interface SettlementRecord {
  code: string;
  terminalId: string;
  stan: string;
  rrn: string;
  amountMinor: number;
  currencyNumeric: string;
  /** D: the card account is debited; C: credited. */
  direction: 'D' | 'C';
}

const RECORD_LENGTH = 149;
/** [name, width] of the detail fields, in order. */
const LAYOUT: readonly [string, number][] = [
  ['type', 1],
  ['code', 3],
  ['acquirerId', 11],
  ['terminalId', 8],
  ['merchantId', 15],
  ['stan', 6],
  ['transmitted', 10],
  ['rrn', 12],
  ['maskedPan', 19],
  ['amount', 12],
  ['currencyNumeric', 3],
  ['authCode', 6],
  ['origStan', 6],
  ['origTransmitted', 10],
  ['settlementAmount', 13],
];

export class SettlementFileError extends Error {
  override readonly name = 'SettlementFileError';
}

export function parseSettlementRecords(content: string): SettlementRecord[] {
  const lines = content.split('\r\n');
  if (lines.pop() !== '') throw new SettlementFileError('the settlement file must end with CRLF');
  if (lines.some((l) => l.length !== RECORD_LENGTH)) {
    throw new SettlementFileError(`every settlement record must be ${RECORD_LENGTH} characters`);
  }
  if (!lines[0]?.startsWith('H ') || !lines[lines.length - 1]?.startsWith('T ')) {
    throw new SettlementFileError('the settlement file has no header or trailer');
  }
  return lines.slice(1, -1).map((line) => {
    const f: Record<string, string> = {};
    let at = 0;
    for (const [name, width] of LAYOUT) {
      f[name] = line.slice(at, at + width).trim();
      at += width + 1;
    }
    if (f.type !== 'D') throw new SettlementFileError('unexpected settlement record type');
    const direction = f.settlementAmount?.[0];
    if (direction !== 'D' && direction !== 'C') throw new SettlementFileError('bad settlement direction');
    const amountMinor = Number(f.amount);
    if (!Number.isSafeInteger(amountMinor)) throw new SettlementFileError('bad settlement amount');
    return {
      code: f.code!,
      terminalId: f.terminalId!,
      stan: f.stan!,
      rrn: f.rrn!,
      amountMinor,
      currencyNumeric: f.currencyNumeric!,
      direction,
    };
  });
}
