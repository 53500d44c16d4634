import { GrpcStatus, RpcError } from '@wxpay/grpc';
import * as v from '../src/api/request-rules';

function errorOf(f: () => unknown): RpcError {
  try {
    f();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('Payments request validation', () => {
  it('refuses a card number where a token belongs, without echoing it', () => {
    const e = errorOf(() => v.cardToken('6222021234567890123'));
    expect(e.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(e.field).toBe('card_token');
    expect(e.message).not.toContain('6222021234567890123');
    expect(v.cardToken('tok_abcdefghijklmnopqrstuvwxyz')).toBe('tok_abcdefghijklmnopqrstuvwxyz');
  });

  it('takes int64 minor units as strings and refuses anything but a positive safe integer', () => {
    expect(v.positiveMinor('1000', 'amount')).toBe(1000);
    for (const bad of ['0', '-5', '1.5', '99999999999999999', '', 'abc']) {
      expect(errorOf(() => v.positiveMinor(bad, 'amount')).field).toBe('amount');
    }
  });

  it('accepts CNY only and text WeChat Pay can carry', () => {
    expect(errorOf(() => v.currency('USD', 'amount.currency')).field).toBe('amount.currency');
    expect(errorOf(() => v.text('pay 😀', 'description', { min: 1, max: 127 })).field).toBe('description');
    expect(v.text('咖啡 x2', 'description', { min: 1, max: 127 })).toBe('咖啡 x2');
  });

  it('checks idempotency keys, payment ids, IPs and dates', () => {
    expect(errorOf(() => v.idempotencyKey('')).field).toBe('idempotency_key');
    expect(errorOf(() => v.idempotencyKey('with space')).field).toBe('idempotency_key');
    expect(errorOf(() => v.uuid('nope', 'payment_id')).field).toBe('payment_id');
    expect(v.ip('', 'payer.ip')).toBeNull();
    expect(errorOf(() => v.ip('300.1.1.1', 'payer.ip')).field).toBe('payer.ip');
    expect(v.businessDate('2026-11-25', 'business_date')).toBe('2026-11-25');
    expect(errorOf(() => v.businessDate('25/11/2026', 'business_date')).field).toBe('business_date');
  });
});
