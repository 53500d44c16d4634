import { randomUUID } from 'crypto';
import { EnvelopeValidationError, parseEnvelope, validateEnvelope } from './envelope';

const valid = () => ({
  id: randomUUID(),
  type: 'PaymentCaptured',
  version: 1,
  occurredAt: '2026-11-25T08:00:00.000Z',
  aggregateId: 'pay_123',
  traceId: 'trace-1',
  payload: { amount: { minor: 100, currency: 'CNY' } },
});

describe('event envelope', () => {
  it('accepts a well-formed envelope', () => {
    const env = valid();
    expect(validateEnvelope(env)).toEqual(env);
    expect(parseEnvelope(Buffer.from(JSON.stringify(env)))).toEqual(env);
  });

  it.each([
    ['id', { id: 'not-a-uuid' }],
    ['type', { type: 'payment captured' }],
    ['version', { version: 0 }],
    ['occurredAt', { occurredAt: '2026-11-25T16:00:00+08:00' }],
    ['aggregateId', { aggregateId: '' }],
    ['traceId', { traceId: undefined }],
    ['payload', { payload: 'x' }],
  ])('names the bad field %s', (field, patch) => {
    const err = captureError(() => validateEnvelope({ ...valid(), ...patch }));
    expect(err).toBeInstanceOf(EnvelopeValidationError);
    expect(err.issues.some((i) => i.startsWith(`${field}:`))).toBe(true);
  });

  it('refuses unknown top-level fields', () => {
    const err = captureError(() => validateEnvelope({ ...valid(), pan: '6222020000000000000' }));
    expect(err.message).toMatch(/unrecognized key/i);
    expect(err.message).not.toContain('6222020000000000000');
  });

  it('refuses a value that is not JSON, or no value at all', () => {
    expect(() => parseEnvelope(Buffer.from('{oops'))).toThrow('value is not JSON');
    expect(() => parseEnvelope(null)).toThrow('message has no value');
  });
});

function captureError(fn: () => unknown): EnvelopeValidationError {
  try {
    fn();
  } catch (e) {
    return e as EnvelopeValidationError;
  }
  throw new Error('expected an error');
}
