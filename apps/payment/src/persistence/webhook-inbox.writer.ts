import { type DataSource } from 'typeorm';
import { currentTraceparent, detached, isTracing } from '@wxpay/observability';
import { prepared } from '@wxpay/persistence';
import { type Row } from './sql-values';
import { type InboxEntry } from '../domain/notification-facts';

export const INBOX_CHANNEL = 'payment_webhook_inbox';

export type StoreOutcome = 'stored' | 'duplicate';

interface Pending {
  entry: InboxEntry;
  /** The webhook request's trace context, taken when it was queued (the write runs in another's). */
  traceparent: string | null;
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
      this.queue.push({ entry, traceparent: currentTraceparent(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxConcurrent) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      // Many requests' rows in one write: it belongs to none of their traces (each row keeps its own context).
      void detached(() => this.write(batch)).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const entries = batch.map((p) => p.entry);
    // One statement text whatever the batch size (its rows travel as arrays), so it is prepared once.
    const params = [
      entries.map((e) => e.notificationId),
      entries.map((e) => e.businessKey),
      entries.map((e) => e.endpoint),
      entries.map((e) => e.eventType),
      entries.map((e) => e.aggregateRef),
      entries.map((e) => e.factType),
      JSON.stringify(entries.map((e) => e.facts)),
      // A NULL array: unnest pads the column with NULLs (no array of nulls built and sent when not tracing).
      isTracing() ? batch.map((p) => p.traceparent) : null,
    ];
    let stored: Set<string>;
    try {
      const rows: Row[] = await prepared(
        this.ds,
        `WITH ins AS (
           INSERT INTO webhook_inbox (notification_id, business_key, endpoint, event_type, aggregate_ref,
                                      fact_type, facts, traceparent)
           SELECT e.notification_id, e.business_key, e.endpoint, e.event_type, e.aggregate_ref, e.fact_type,
                  $7::jsonb -> (e.ord::integer - 1), e.traceparent
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $8::text[])
                  WITH ORDINALITY AS e(notification_id, business_key, endpoint, event_type, aggregate_ref,
                                       fact_type, traceparent, ord)
            ORDER BY e.ord
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
