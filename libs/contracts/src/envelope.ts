import { z } from 'zod';

/**
 * The event envelope every message on every topic carries. It is validated when written to the outbox and again
 * when consumed, so a malformed message is refused at both ends with the field named.
 */
export const EVENT_TYPE_PATTERN = /^[A-Z][A-Za-z0-9]+$/;

export const eventEnvelopeSchema = z
  .object({
    id: z.uuid(),
    type: z.string().regex(EVENT_TYPE_PATTERN, 'must be an event name in PascalCase, e.g. PaymentCaptured'),
    version: z.number().int().min(1),
    occurredAt: z.iso.datetime({ offset: false, message: 'must be an ISO-8601 UTC instant ending in Z' }),
    aggregateId: z.string().min(1).max(200),
    traceId: z.string().min(1).max(128),
    payload: z.record(z.string(), z.unknown()),
  })
  .strict();

export type EventEnvelope<P extends Record<string, unknown> = Record<string, unknown>> = Omit<
  z.infer<typeof eventEnvelopeSchema>,
  'payload'
> & { payload: P };

export class EnvelopeValidationError extends Error {
  override readonly name = 'EnvelopeValidationError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid event envelope: ${issues.join('; ')}`);
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** Validates an already-parsed value as an envelope; throws EnvelopeValidationError naming each bad field. */
export function validateEnvelope(value: unknown): EventEnvelope {
  const result = eventEnvelopeSchema.safeParse(value);
  if (!result.success) throw new EnvelopeValidationError(describeIssues(result.error));
  return result.data;
}

/** Parses the bytes of a Kafka message value into a validated envelope. */
export function parseEnvelope(raw: Buffer | string | null): EventEnvelope {
  if (raw === null) throw new EnvelopeValidationError(['(root): message has no value']);
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    throw new EnvelopeValidationError(['(root): value is not JSON']);
  }
  return validateEnvelope(value);
}
