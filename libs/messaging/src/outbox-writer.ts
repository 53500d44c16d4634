import { randomUUID } from 'crypto';
import { validateEnvelope, type EventEnvelope, EnvelopeValidationError } from '@wxpay/contracts';
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

/**
 * Writes an event into the outbox inside the caller's transaction, so the event exists if and only if the state
 * change it describes was committed. The NOTIFY is delivered on commit and wakes the relay at once.
 */
export async function appendToOutbox<P extends Record<string, unknown>>(
  manager: EntityManager,
  event: NewEvent<P>,
): Promise<EventEnvelope<P>> {
  assertInTransaction(manager, 'appendToOutbox');
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
  await manager.query(`INSERT INTO outbox_event (id, topic, message_key, envelope) VALUES ($1, $2, $3, $4)`, [
    envelope.id,
    event.topic,
    event.aggregateId,
    JSON.stringify(envelope),
  ]);
  await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  return envelope as EventEnvelope<P>;
}

/**
 * Many ready-made envelopes into the outbox in one statement, inside the caller's transaction: for writers that
 * emit hundreds of events per transaction (risk decisions), where a row and a NOTIFY per event would cost two
 * round trips each. Rows keep the array's order (seq follows it), so the relay publishes them in that order.
 */
export async function appendManyToOutbox(
  manager: EntityManager,
  topic: string,
  envelopes: readonly EventEnvelope[],
): Promise<void> {
  if (envelopes.length === 0) return;
  assertInTransaction(manager, 'appendManyToOutbox');
  envelopes.forEach(assertValid);
  await manager.query(
    `INSERT INTO outbox_event (id, topic, message_key, envelope)
     SELECT (e->>'id')::uuid, $2, e->>'aggregateId', e
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, ord) ORDER BY ord`,
    [JSON.stringify(envelopes), topic],
  );
  await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
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
