import { createHash } from 'crypto';

/**
 * The id of the alert a rule raises for an event: derived from both (a name-based UUID, version 5 layout), so a
 * redelivered or retried event can only ever produce the same alert.
 */
export function alertIdFor(eventId: string, ruleId: string): string {
  const h = createHash('sha256').update(`${eventId}:${ruleId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
