import { lastRunAt, nextRunAt, previousBusinessDate } from '../src/jobs/reconciliation-scheduler';

describe('daily reconciliation schedule', () => {
  it('runs at HH:MM Beijing time, the next occurrence after now', () => {
    // 2026-11-25 10:00 Beijing = 02:00 UTC
    expect(nextRunAt('02:30', new Date('2026-11-25T02:00:00Z')).toISOString()).toBe(
      '2026-11-25T18:30:00.000Z',
    );
    expect(nextRunAt('12:00', new Date('2026-11-25T02:00:00Z')).toISOString()).toBe(
      '2026-11-25T04:00:00.000Z',
    );
  });

  it('knows the last occurrence at or before now (the date a restarted replica may take up again)', () => {
    expect(lastRunAt('02:30', new Date('2026-11-25T02:00:00Z')).toISOString()).toBe(
      '2026-11-24T18:30:00.000Z',
    );
    expect(lastRunAt('02:30', new Date('2026-11-24T18:30:00Z')).toISOString()).toBe(
      '2026-11-24T18:30:00.000Z',
    );
    expect(lastRunAt('12:00', new Date('2026-11-25T02:00:00Z')).toISOString()).toBe(
      '2026-11-24T04:00:00.000Z',
    );
  });

  it('reconciles the previous Beijing business day', () => {
    expect(previousBusinessDate(new Date('2026-11-25T18:30:00Z'))).toBe('2026-11-25');
    expect(previousBusinessDate(new Date('2026-11-25T02:00:00Z'))).toBe('2026-11-24');
  });
});
