import { type DataSource } from 'typeorm';
import { type Clock } from '../domain/clock';

/**
 * Real time plus an offset kept in the database, so tests and demos can move days in seconds and every replica
 * (and a restarted process) sees the same business time. Only with REPAYMENT_CLOCK=controllable.
 */
export class ControllableClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly ds: DataSource) {}

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  async load(): Promise<void> {
    const rows: { offset_ms: string }[] = await this.ds.query(
      `SELECT offset_ms FROM business_clock WHERE id = 1`,
    );
    this.offsetMs = rows[0] ? Number(rows[0].offset_ms) : 0;
  }

  /** Business time becomes `instant`; it may only move forward (schedules already run stay run). */
  async set(instant: Date): Promise<Date> {
    const offset = Math.max(this.offsetMs, instant.getTime() - Date.now());
    await this.ds.query(
      `INSERT INTO business_clock (id, offset_ms) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET offset_ms = GREATEST(business_clock.offset_ms, EXCLUDED.offset_ms)`,
      [offset],
    );
    await this.load();
    return this.now();
  }

  async advance(ms: number): Promise<Date> {
    return this.set(new Date(this.now().getTime() + ms));
  }
}
