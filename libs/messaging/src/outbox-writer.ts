import { randomUUID } from 'crypto';
import { validateEnvelope, type EventEnvelope, EnvelopeValidationError } from '@wxpay/contracts';
import { currentTraceparent } from '@wxpay/observability';
import { type EntityManager } from 'typeorm';
import { OutboxValidationError } from './errors';

export const OUTBOX_CHANNEL = 'outbox_event';

export interface NewEvent<P extends Record<string, unknown> = Record<string, unknown>> {
  topic: string;
  type: string;
  version?: number;
  aggregateId: string;
  traceId: string;
  payload: P;
  /** Defaults to now; pass the business instant when the event describes an earlier fact. */
  occurredAt?: Date;
  id?: string;
}

/** An event checked and enveloped for the outbox, before it is written (see `outboxInsertSql`). */
export interface OutboxRecord<P extends Record<string, unknown> = Record<string, unknown>> {
  topic: string;
  envelope: EventEnvelope<P>;
}

/** Envelopes and validates an event; throws OutboxValidationError before anything is written. */
export function outboxRecord<P extends Record<string, unknown>>(event: NewEvent<P>): OutboxRecord<P> {
  const envelope = {
    id: event.id ?? randomUUID(),
    type: event.type,
    version: event.version ?? 1,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    aggregateId: event.aggregateId,
    traceId: event.traceId,
    payload: event.payload,
  };
  assertValid(envelope);
  return { topic: event.topic, envelope: envelope as EventEnvelope<P> };
}

/** A ready-made envelope (built by the caller), validated as `outboxRecord` validates the ones it builds. */
export function envelopeRecord(topic: string, envelope: EventEnvelope): OutboxRecord {
  assertValid(envelope);
  return { topic, envelope };
}

/**
 * The body of a data-modifying CTE (`WITH events AS (<this>) …`) that appends `records` to the outbox in their
 * order (seq follows it; the message key is the aggregate id) and wakes the relay when the transaction commits.
 * For writers that fold their events into the very statement that changes their state: one statement is atomic
 * by itself, so the change and its events commit together in one round trip, without an explicit transaction.
 * Pushes its parameters onto `params`; the rows carry the active span's `traceparent`. With `onlyIf` (the name of an earlier CTE, e.g. a guarded
 * `UPDATE … RETURNING`), nothing is appended unless that CTE returned a row.
 */
export function outboxInsertSql(
  records: readonly OutboxRecord[],
  params: unknown[],
  onlyIf?: string,
): string {
  params.push(
    JSON.stringify(records.map((r) => r.envelope)),
    records.map((r) => r.topic),
    currentTraceparent(),
  );
  const envelopes = `$${params.length - 2}`;
  const topics = `$${params.length - 1}`;
  const traceparent = `$${params.length}`;
  const guard = onlyIf ? `(SELECT 1 FROM ${onlyIf} LIMIT 1) AS only_if, ` : '';
  // pg_notify per row is one notification at commit: PostgreSQL folds identical ones within a transaction.
  return `INSERT INTO outbox_event (id, topic, message_key, envelope, traceparent)
          SELECT (r.e->>'id')::uuid, (${topics}::text[])[r.ord], r.e->>'aggregateId', r.e, ${traceparent}::text
            FROM ${guard}jsonb_array_elements(${envelopes}::jsonb) WITH ORDINALITY AS r(e, ord)
           ORDER BY r.ord
          RETURNING pg_notify('${OUTBOX_CHANNEL}', '')`;
}

/**
 * Writes an event into the outbox inside the caller's transaction, so the event exists if and only if the state
 * change it describes was committed. The NOTIFY (in the same statement) is delivered on commit and wakes the
 * relay at once.
 */
export async function appendToOutbox<P extends Record<string, unknown>>(
  manager: EntityManager,
  event: NewEvent<P>,
): Promise<EventEnvelope<P>> {
  assertInTransaction(manager, 'appendToOutbox');
  const record = outboxRecord(event);
  const params: unknown[] = [];
  // Named: the same text on every call, parsed and planned once per connection.
  const text = outboxInsertSql([record], params);
  await manager.query({ name: 'outbox_append_one', text } as unknown as string, params);
  return record.envelope;
}

/**
 * Many ready-made envelopes into the outbox in one statement, inside the caller's transaction: for writers that
 * emit hundreds of events per transaction (risk decisions), where a row per event would cost a round trip each.
 * Rows keep the array's order (seq follows it), so the relay publishes them in that order.
 */
export async function appendManyToOutbox(
  manager: EntityManager,
  topic: string,
  envelopes: readonly EventEnvelope[],
): Promise<void> {
  if (envelopes.length === 0) return;
  assertInTransaction(manager, 'appendManyToOutbox');
  envelopes.forEach(assertValid);
  // One NOTIFY for the whole batch, in the same statement (a trailing SELECT over the inserted rows).
  await manager.query(
    `WITH ins AS (
       INSERT INTO outbox_event (id, topic, message_key, envelope, traceparent)
       SELECT (e->>'id')::uuid, $2, e->>'aggregateId', e, $4::text
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord) ORDER BY ord
       RETURNING 1
     )
     SELECT pg_notify($3, '') FROM (SELECT 1 FROM ins LIMIT 1) AS any_row`,
    [JSON.stringify(envelopes), topic, OUTBOX_CHANNEL, currentTraceparent()],
  );
}

function assertInTransaction(manager: EntityManager, caller: string): void {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new OutboxValidationError(`${caller} must run inside the transaction that changes the state`);
  }
}

function assertValid(envelope: unknown): void {
  try {
    validateEnvelope(envelope);
  } catch (e) {
    if (e instanceof EnvelopeValidationError) throw new OutboxValidationError(e.message);
    throw e;
  }
}
