import { z } from 'zod';

/**
 * Events of the card vault on `cards.lifecycle.v1`, keyed by the card token (KeysRotated by `vault-keys`).
 * What any consumer may know of a card: the token, the cardholder reference, BIN, last 4, brand and status.
 * Never the card number, CVN2 or key material.
 */
export const CardEventTypes = {
  tokenized: 'CardTokenized',
  suspended: 'CardSuspended',
  resumed: 'CardResumed',
  deleted: 'CardDeleted',
  keysRotated: 'KeysRotated',
} as const;

export type CardEventType = (typeof CardEventTypes)[keyof typeof CardEventTypes];

/** The aggregate id (message key) of KeysRotated. */
export const VAULT_KEYS_AGGREGATE_ID = 'vault-keys';

export const cardTokenSchema = z
  .string()
  .regex(/^tok_[a-z2-7]{26}$/, 'must be a vault token (tok_ + 26 base32)');
export const cardStatusSchema = z.enum(['ACTIVE', 'SUSPENDED', 'DELETED']);

/** CardTokenized, CardSuspended, CardResumed and CardDeleted share this payload. */
export const cardLifecyclePayloadSchema = z.object({
  cardToken: cardTokenSchema,
  cardholderRef: z.string().min(1).max(64),
  bin: z.string().regex(/^\d{6}$/),
  last4: z.string().regex(/^\d{4}$/),
  brand: z.string().min(1).max(32),
  status: cardStatusSchema,
  /** Why the status changed, as the caller gave it (suspend/resume/delete); absent for CardTokenized. */
  reason: z.string().max(200).optional(),
});

export const keysRotatedPayloadSchema = z.object({
  /** KEK versions that wrapped data keys when the job started. */
  fromKekVersions: z.array(z.number().int().min(1)),
  toKekVersion: z.number().int().min(1),
  /** Data keys re-wrapped by the job (card numbers are not re-encrypted). */
  rewrapped: z.number().int().min(0),
  /** Versions that now wrap nothing and were marked retired. */
  retiredKekVersions: z.array(z.number().int().min(1)),
});

export type CardLifecyclePayload = z.infer<typeof cardLifecyclePayloadSchema>;
export type KeysRotatedPayload = z.infer<typeof keysRotatedPayloadSchema>;
export type CardStatusName = z.infer<typeof cardStatusSchema>;
