import { KeyRing } from '../client/key-ring';
import { generateWorkingKeys } from '../security/working-keys';
import { beijingDate, beijingYearMonth, localTime, monthDay, transmissionDateTime } from './beijing-time';
import { amountField, currencyAlpha, currencyNumeric } from './currency';
import { responseMtiOf, transactionKindOf, TRANSACTION_TYPES } from './message-types';
import { decodeOriginalData, encodeOriginalData } from './original-data';
import { responseCodeInfo, settlesReversal } from './response-codes';

describe('profile helpers', () => {
  it('renders CUPS date fields in Beijing time', () => {
    const at = new Date('2025-12-31T16:30:05Z'); // 00:30:05 on 1 January in Beijing
    expect(transmissionDateTime(at)).toBe('0101003005');
    expect(localTime(at)).toBe('003005');
    expect(monthDay(at)).toBe('0101');
    expect(beijingDate(at)).toBe('2026-01-01');
    expect(beijingYearMonth(at)).toBe('2601');
  });

  it('derives response MTIs and classifies financial requests', () => {
    expect(['0100', '0200', '0220', '0420', '0820'].map(responseMtiOf)).toEqual([
      '0110',
      '0210',
      '0230',
      '0430',
      '0830',
    ]);
    for (const t of Object.values(TRANSACTION_TYPES)) {
      expect(transactionKindOf(t.mti, t.processingCode, t.posConditionCode)).toBe(t.kind);
    }
    expect(transactionKindOf('0200', '300000', '00')).toBeUndefined();
  });

  it('round-trips original data elements (F90)', () => {
    const o = {
      mti: '0100',
      stan: '001171',
      transmissionDateTime: '0711154841',
      acquirerId: '49990000',
      forwardingId: '49990000',
    };
    const f90 = encodeOriginalData(o);
    expect(f90).toBe('010000117107111548410004999000000049990000');
    expect(decodeOriginalData(f90)).toEqual(o);
  });

  it('classifies response codes and knows which settle a reversal', () => {
    expect(responseCodeInfo('51')).toEqual({ code: '51', meaning: 'insufficient funds', class: 'declined' });
    expect(responseCodeInfo('91').class).toBe('retry');
    expect(responseCodeInfo('A0').class).toBe('security');
    expect(responseCodeInfo('ZZ')).toMatchObject({ class: 'declined', meaning: 'unknown response code' });
    expect(['00', '25', '12', '96', 'A0'].map(settlesReversal)).toEqual([true, true, true, false, false]);
  });

  it('maps currencies and formats amounts in minor units', () => {
    expect(currencyNumeric('CNY')).toBe('156');
    expect(currencyAlpha('156')).toBe('CNY');
    expect(amountField(12_345)).toBe('000000012345');
    expect(() => amountField(0)).toThrow(/positive/);
    expect(() => amountField(1.5)).toThrow(/positive/);
    expect(() => currencyNumeric('XXX')).toThrow(/unsupported/);
  });

  it('keeps the previous key generation for answers to requests sent before an exchange', () => {
    const ring = new KeyRing();
    const g1 = generateWorkingKeys(1);
    const g2 = generateWorkingKeys(2);
    ring.install(g1);
    ring.install(g2);
    expect(ring.current).toBe(g2);
    expect(ring.forGeneration(1)).toBe(g1);
    ring.install({ ...g2 }); // the same keys again change nothing
    expect(ring.forGeneration(1)).toBe(g1);
    expect(ring.forGeneration(3)).toBeUndefined();
  });
});
