import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { BinTable, UNKNOWN_BIN } from './bin-table';
import { SAMPLE_BIN_TABLE } from './sample-bin-table';

describe('BIN table', () => {
  const table = new BinTable(SAMPLE_BIN_TABLE);

  it('matches the longest prefix range', () => {
    expect(table.lookup('6222021234567890')).toMatchObject({ brand: 'UNIONPAY', issuer: 'ICBC' });
    expect(table.lookup('6212341234567890')).toMatchObject({ brand: 'UNIONPAY', issuer: '' });
    expect(table.lookup('2720991234567890').brand).toBe('MASTERCARD');
    expect(table.lookup('2721001234567890')).toBe(UNKNOWN_BIN);
    expect(table.lookup('3589001234567890').brand).toBe('JCB');
    expect(table.lookup('3590001234567890')).toBe(UNKNOWN_BIN);
  });

  it('loads a replacement table from a file and names what is wrong in a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bins-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify([{ brand: 'TESTNET', from: '9', to: '9', lengths: [16] }]));
      expect(BinTable.fromFile(good).lookup('9000000000000000').brand).toBe('TESTNET');
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify([{ brand: 'x', from: '55', to: '51', lengths: [] }]));
      expect(() => BinTable.fromFile(bad)).toThrow(/^TOKENIZATION_BIN_TABLE_FILE .*bad\.json: 0\.brand: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
