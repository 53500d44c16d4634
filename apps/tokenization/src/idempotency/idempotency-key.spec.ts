import { VaultError } from '../errors';
import { checkIdempotencyKey } from './idempotency';

describe('checkIdempotencyKey', () => {
  it('accepts UUIDs, including one whose hex groups read as a Luhn-valid number across the dashes', () => {
    // The log masker treats "4431-8340-497696001718" as a dashed card number; as a key it is a plain UUID.
    expect(checkIdempotencyKey('b49072e4-d8ad-4431-8340-497696001718')).toBe(
      'b49072e4-d8ad-4431-8340-497696001718',
    );
    expect(checkIdempotencyKey('order-2026-11-25-0001')).toBe('order-2026-11-25-0001');
  });

  it('refuses a key that holds a card number, with the field named', () => {
    for (const key of ['6222021234567890128', 'tok-6222021234567890128-retry']) {
      const err = (() => {
        try {
          checkIdempotencyKey(key);
        } catch (e) {
          return e as VaultError;
        }
      })();
      expect(err).toBeInstanceOf(VaultError);
      expect(err!.message).toBe('idempotency_key: must not contain a card number');
    }
  });

  it('refuses empty and non-printable keys', () => {
    expect(() => checkIdempotencyKey('')).toThrow('idempotency_key: is required');
    expect(() => checkIdempotencyKey('a b')).toThrow('printable ASCII');
  });
});
