import {
  CardEventTypes,
  cardLifecyclePayloadSchema,
  keysRotatedPayloadSchema,
  VAULT_KEYS_AGGREGATE_ID,
  type CardLifecyclePayload,
  type KeysRotatedPayload,
} from '@wxpay/contracts';
import { appendToOutbox } from '@wxpay/messaging';
import { type EntityManager } from 'typeorm';
import { type CardRow } from './card.repository';

type CardEventType = Exclude<(typeof CardEventTypes)[keyof typeof CardEventTypes], 'KeysRotated'>;

/**
 * Writes a card lifecycle event to the outbox in the caller's transaction. Payloads are checked against the
 * contract before writing; they carry BIN and last 4 at most, never the card number.
 */
export async function emitCardEvent(
  manager: EntityManager,
  topic: string,
  type: CardEventType,
  row: CardRow,
  traceId: string,
  reason?: string | null,
): Promise<void> {
  const payload: CardLifecyclePayload = cardLifecyclePayloadSchema.parse({
    cardToken: row.token,
    cardholderRef: row.cardholder_ref,
    bin: row.bin,
    last4: row.last4,
    brand: row.brand,
    status: row.status,
    ...(reason ? { reason } : {}),
  });
  await appendToOutbox(manager, {
    topic,
    type,
    aggregateId: row.token,
    traceId,
    payload,
  });
}

export async function emitKeysRotated(
  manager: EntityManager,
  topic: string,
  payload: KeysRotatedPayload,
  traceId: string,
): Promise<void> {
  await appendToOutbox(manager, {
    topic,
    type: CardEventTypes.keysRotated,
    aggregateId: VAULT_KEYS_AGGREGATE_ID,
    traceId,
    payload: keysRotatedPayloadSchema.parse(payload),
  });
}
