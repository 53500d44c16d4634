import { type DataSource } from 'typeorm';
import { type Row } from '../persistence/sql-values';
import { type InboxEntry } from './notification-facts';

export const INBOX_CHANNEL = 'payment_webhook_inbox';

export type StoreOutcome = 'stored' | 'duplicate';

interface Pending {
  entry: InboxEntry;
  resolve: (outcome: StoreOutcome) => void;
  reject: (error: unknown) => void;
}

export interface InboxWriterOptions {
  /** Statements in flight at once (at most the pool size minus what the rest of the service needs). */
  maxConcurrent?: number;
  /** Rows per statement. */
  maxBatch?: number;
}

/**
 * Stores verified notifications durably before the webhook answers. Under load, the notifications that arrive
 * while a write is in flight go together in the next one (one multi-row INSERT … ON CONFLICT DO NOTHING, one
 * commit): group commit without any added wait, so a lone notification is written at once. A notification whose
 * id or business key is already stored is a duplicate; the caller answers success either way.
 */
export class WebhookInboxWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxConcurrent: number;
  private readonly maxBatch: number;

  constructor(
    private readonly ds: DataSource,
    options: InboxWriterOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 4;
    this.maxBatch = options.maxBatch ?? 200;
  }

  store(entry: InboxEntry): Promise<StoreOutcome> {
    return new Promise<StoreOutcome>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxConcurrent) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const params: unknown[] = [];
    const values: string[] = [];
    for (const { entry: e } of batch) {
      params.push(
        e.notificationId,
        e.businessKey,
        e.endpoint,
        e.eventType,
        e.aggregateRef,
        e.factType,
        JSON.stringify(e.facts),
      );
      const n = params.length;
      values.push(`($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::jsonb)`);
    }
    let stored: Set<string>;
    try {
      const rows: Row[] = await this.ds.query(
        `WITH ins AS (
           INSERT INTO webhook_inbox (notification_id, business_key, endpoint, event_type, aggregate_ref,
                                      fact_type, facts)
           VALUES ${values.join(', ')}
           ON CONFLICT DO NOTHING
           RETURNING notification_id
         )
         SELECT notification_id, pg_notify('${INBOX_CHANNEL}', '') FROM ins`,
        params,
      );
      stored = new Set(rows.map((r) => String(r.notification_id)));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    // Within one batch the same id can appear twice (concurrent copies): only its first occurrence is "stored".
    for (const p of batch) {
      const fresh = stored.delete(p.entry.notificationId);
      p.resolve(fresh ? 'stored' : 'duplicate');
    }
  }
}
