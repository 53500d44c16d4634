import { type DataSource } from 'typeorm';
import { type ListEntry, type ListKind, type ListSubject } from '../domain/state/list-cache';

interface Row {
  kind: ListKind;
  subject: ListSubject;
  value: string;
  reason: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
}

const toEntry = (r: Row): ListEntry => ({
  kind: r.kind,
  subject: r.subject,
  value: r.value,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at.getTime(),
  expiresAt: r.expires_at ? r.expires_at.getTime() : null,
});

export class ListRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds or replaces the entry for (kind, subject, value). */
  async put(e: Omit<ListEntry, 'createdAt'>): Promise<ListEntry> {
    const rows: Row[] = await this.dataSource.query(
      `INSERT INTO risk_list_entry (kind, subject, value, reason, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (kind, subject, value) DO UPDATE SET reason = EXCLUDED.reason, created_by = EXCLUDED.created_by,
         created_at = now(), expires_at = EXCLUDED.expires_at
       RETURNING *`,
      [
        e.kind,
        e.subject,
        e.value,
        e.reason,
        e.createdBy,
        e.expiresAt === null ? null : new Date(e.expiresAt),
      ],
    );
    return toEntry(rows[0]!);
  }

  async delete(kind: ListKind, subject: ListSubject, value: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM risk_list_entry WHERE kind = $1 AND subject = $2 AND value = $3`,
      [kind, subject, value],
    );
    return count > 0;
  }

  /** Unexpired entries; expired ones are also deleted here, so the table does not grow without bound. */
  async loadActive(now: number): Promise<ListEntry[]> {
    await this.dataSource.query(`DELETE FROM risk_list_entry WHERE expires_at <= $1`, [new Date(now)]);
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM risk_list_entry WHERE expires_at IS NULL OR expires_at > $1`,
      [new Date(now)],
    );
    return rows.map(toEntry);
  }
}
