import { DomainError } from '@wxpay/contracts';
import { uniqueTestPan } from '@wxpay/testing';
import { checkIdempotencyKey } from './idempotency';

describe('checkIdempotencyKey', () => {
  it('accepts UUIDs, including one whose hex groups read as a Luhn-valid number across the dashes', () => {
    // The log masker treats "4431-8340-497696001718" as a dashed card number; as a key it is a plain UUID.
    expect(checkIdempotencyKey('b49072e4-d8ad-4431-8340-497696001718')).toBe(
      'b49072e4-d8ad-4431-8340-497696001718',
    );
    expect(checkIdempotencyKey('order-2026-11-25-0001')).toBe('order-2026-11-25-0001');
  });

  it('refuses a key that holds a card number, bare or written out in groups, with the field named and the number not repeated', () => {
    const pan = uniqueTestPan('622202', 19);
    const dashed = pan.match(/.{1,4}/g)!.join('-');
    for (const key of [pan, `tok-${pan}-retry`, dashed, `retry.${pan.match(/.{1,4}/g)!.join('.')}`]) {
      const err = (() => {
        try {
          checkIdempotencyKey(key);
        } catch (e) {
          return e as DomainError;
        }
      })();
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'idempotency_key' });
      expect(err!.message).toBe('idempotency_key: must not contain a card number');
    }
  });

  it('refuses missing, empty and non-printable keys', () => {
    expect(() => checkIdempotencyKey(undefined)).toThrow('idempotency_key: is required');
    expect(() => checkIdempotencyKey('')).toThrow('idempotency_key: is required');
    expect(() => checkIdempotencyKey('a b')).toThrow('printable ASCII');
    expect(() => checkIdempotencyKey('x'.repeat(129))).toThrow('printable ASCII');
  });
});
