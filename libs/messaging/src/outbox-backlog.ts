import { type Metrics } from '@wxpay/observability';

export const OUTBOX_BACKLOG = 'wxpay_outbox_backlog';
export const OUTBOX_OLDEST_AGE = 'wxpay_outbox_oldest_age_seconds';

/** Counting stops here: past it the figure only says "very far behind", and a longer count costs each scrape. */
export const OUTBOX_BACKLOG_CAP = 100_000;

/** A scrape waits this long for the figures at most; a database that slow is reported by readiness. */
const QUERY_TIMEOUT_MS = 2000;

/**
 * One statement on the primary key (seq): the count, capped, and the age of the oldest row by the database's clock
 * (the outbox holds only unpublished rows, and the lowest seq is the one waiting longest).
 */
export const OUTBOX_BACKLOG_SQL = `
  SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox_event LIMIT ${OUTBOX_BACKLOG_CAP}) p)::int AS pending,
         (SELECT EXTRACT(EPOCH FROM now() - created_at) FROM outbox_event ORDER BY seq LIMIT 1)::float8 AS oldest_age`;

export interface Queryable {
  query(sql: string): Promise<unknown>;
}

/**
 * `wxpay_outbox_backlog` and `wxpay_outbox_oldest_age_seconds`, read from the database at each scrape (the
 * relay's own `wxpay_outbox_pending` is what one round saw, capped at its batch, and only where the relay runs).
 * Every replica of a service reports the same database: alert on max by service. A failed or slow read reports
 * NaN, so an alert on the age neither fires nor looks healthy on a stale figure; readiness says why.
 */
export function registerOutboxBacklog(metrics: Metrics, db: Queryable): void {
  let pending = NaN;
  let oldestAge = NaN;
  let reading: Promise<void> | undefined;
  // Both gauges are collected in one scrape: one query serves the pair.
  const read = async () => {
    reading ??= (async () => {
      try {
        const rows = (await withTimeout(db.query(OUTBOX_BACKLOG_SQL), QUERY_TIMEOUT_MS)) as {
          pending: number;
          oldest_age: number | null;
        }[];
        pending = Number(rows[0]?.pending ?? NaN);
        oldestAge = rows[0]?.oldest_age === null ? 0 : Number(rows[0]?.oldest_age ?? NaN);
      } catch {
        pending = NaN;
        oldestAge = NaN;
      } finally {
        setImmediate(() => (reading = undefined));
      }
    })();
    await reading;
  };
  metrics.gauge({
    name: OUTBOX_BACKLOG,
    help: `Outbox events not yet published (counted up to ${OUTBOX_BACKLOG_CAP})`,
    async collect() {
      await read();
      this.set(pending);
    },
  });
  metrics.gauge({
    name: OUTBOX_OLDEST_AGE,
    help: 'Age in seconds of the oldest unpublished outbox event (0 when none is waiting)',
    async collect() {
      await read();
      this.set(oldestAge);
    },
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`outbox backlog query took over ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
