import { DomainError, PaymentStatus, Scene, TradeType, type CreatePaymentRequest } from '@wxpay/contracts';
import { checkIdempotencyKey, RequestValidationPipe, type RequestRules } from '@wxpay/grpc';
import { panScreeningFailures, uniqueTestPan } from '@wxpay/testing';
import {
  CANCEL_PAYMENT,
  CREATE_PAYMENT,
  GET_PAYMENT,
  LIST_PAYMENTS,
  REFUND_PAYMENT,
  RESOLVE_RECONCILIATION_BREAK,
  RETRY_CAPTURE,
  RUN_RECONCILIATION,
} from '../src/api/request-rules';

function errorOf(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('no error');
}

const validate = <R>(rules: RequestRules<R>, request: R) =>
  new RequestValidationPipe<R>(rules).transform(request);

const create = (over: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest => ({
  idempotency_key: 'k-1',
  card_token: 'tok_abcdefghijklmnopqrstuvwxyz',
  amount: { amount_minor: '1000', currency: 'CNY' },
  merchant_id: 'm-coffee',
  mcc: '5814',
  scene: Scene.ONLINE,
  trade_type: TradeType.JSAPI,
  payer: { openid: 'oPayer', ip: '' },
  device: undefined,
  description: 'coffee',
  ...over,
});

const PAYMENT_ID = '00000000-0000-4000-8000-000000000000';

/** The Payments request rules (api/request-rules.ts) as the edge's validation pipe applies them. */
describe('Payments request validation', () => {
  it('takes a merchant number that reads as a card number: the bank issues them (one in ten is Luhn-valid)', () => {
    const merchant = uniqueTestPan('8984', 15);
    expect(validate(CREATE_PAYMENT, create({ merchant_id: merchant })).merchant_id).toBe(merchant);
    expect(
      validate(LIST_PAYMENTS, {
        merchant_id: merchant,
        card_token: '',
        status: PaymentStatus.PAYMENT_STATUS_UNSPECIFIED,
        limit: 0,
        page_token: '',
      }).merchant_id,
    ).toBe(merchant);
  });

  it('refuses a card number in every text field (bare, in text, grouped), naming the field, never echoing it', () => {
    const screened = <R>(rules: RequestRules<R>, valid: R, fields: string[]) =>
      panScreeningFailures((r: R) => validate(rules, r), valid, fields);
    const amount = { amount_minor: '1000', currency: 'CNY' };
    expect([
      ...screened(CREATE_PAYMENT, create({ device: { device_id: 'd-1' } }), [
        'description',
        'payer.openid',
        'device.device_id',
      ]),
      ...screened(REFUND_PAYMENT, { idempotency_key: 'k', payment_id: PAYMENT_ID, amount, reason: '' }, [
        'reason',
      ]),
      ...screened(CANCEL_PAYMENT, { idempotency_key: 'k', payment_id: PAYMENT_ID, reason: '' }, ['reason']),
      ...screened(
        RETRY_CAPTURE,
        { idempotency_key: 'k', payment_id: PAYMENT_ID, operator: 'ops.a', reason: 'r' },
        ['operator', 'reason'],
      ),
      ...screened(
        RESOLVE_RECONCILIATION_BREAK,
        { idempotency_key: 'k', break_id: '1', operator: 'ops.a', note: 'n' },
        ['operator', 'note'],
      ),
    ]).toEqual([]);
  });

  it('refuses a card number where a token belongs, without echoing it', () => {
    const e = errorOf(() => validate(CREATE_PAYMENT, create({ card_token: '6222021234567890123' })));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.field).toBe('card_token');
    expect(e.message).not.toContain('6222021234567890123');
    expect(validate(CREATE_PAYMENT, create()).card_token).toBe('tok_abcdefghijklmnopqrstuvwxyz');
  });

  it('takes int64 minor units as strings and refuses anything but a positive safe integer', () => {
    const refund = (amount_minor: string) => ({
      idempotency_key: 'k',
      payment_id: '00000000-0000-4000-8000-000000000000',
      amount: { amount_minor, currency: 'CNY' },
      reason: '',
    });
    expect(validate(REFUND_PAYMENT, refund('1000')).amount?.amount_minor).toBe('1000');
    for (const bad of ['0', '-5', '1.5', '99999999999999999', '', 'abc']) {
      expect(errorOf(() => validate(REFUND_PAYMENT, refund(bad))).field).toBe('amount.amount_minor');
    }
  });

  it('accepts CNY only and text WeChat Pay can carry', () => {
    const usd = create({ amount: { amount_minor: '1000', currency: 'USD' } });
    expect(errorOf(() => validate(CREATE_PAYMENT, usd)).field).toBe('amount.currency');
    expect(errorOf(() => validate(CREATE_PAYMENT, create({ description: 'pay 😀' }))).field).toBe(
      'description',
    );
    expect(validate(CREATE_PAYMENT, create({ description: '咖啡 x2' })).description).toBe('咖啡 x2');
  });

  it('checks idempotency keys, payment ids, IPs and dates', () => {
    expect(errorOf(() => checkIdempotencyKey('')).field).toBe('idempotency_key');
    expect(errorOf(() => checkIdempotencyKey('with space')).field).toBe('idempotency_key');
    expect(errorOf(() => validate(GET_PAYMENT, { payment_id: 'nope', out_trade_no: '' })).field).toBe(
      'payment_id',
    );
    expect(validate(GET_PAYMENT, { payment_id: '', out_trade_no: 'abcdef' }).out_trade_no).toBe('abcdef');
    expect(errorOf(() => validate(GET_PAYMENT, { payment_id: '', out_trade_no: 'abc' })).field).toBe(
      'out_trade_no',
    );
    expect(validate(CREATE_PAYMENT, create({ payer: { openid: 'o', ip: '' } })).payer?.ip).toBe('');
    const badIp = create({ payer: { openid: 'o', ip: '300.1.1.1' } });
    expect(errorOf(() => validate(CREATE_PAYMENT, badIp)).field).toBe('payer.ip');
    expect(validate(RUN_RECONCILIATION, { business_date: '2026-11-25' }).business_date).toBe('2026-11-25');
    expect(errorOf(() => validate(RUN_RECONCILIATION, { business_date: '25/11/2026' })).field).toBe(
      'business_date',
    );
  });
});
