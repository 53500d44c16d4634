import { ListKind, ListSubject, ReviewLabel, type EvaluateRequest } from '@wxpay/contracts';
import { RequestValidationPipe, type RequestRules } from '@wxpay/grpc';
import { panScreeningFailures, uniqueTestPan } from '@wxpay/testing';
import { parseEvaluateRequest } from '../src/api/evaluate-request';
import { CLAIM_REVIEW, PUT_LIST_ENTRY, RESOLVE_REVIEW } from '../src/api/request-rules';

const screened = <R>(rules: RequestRules<R>, valid: R, fields: string[]) =>
  panScreeningFailures((r: R) => new RequestValidationPipe<R>(rules).transform(r), valid, fields);

const DECISION = '00000000-0000-4000-8000-000000000000';

/** The RiskEngine administration rules (api/request-rules.ts) as the edge's validation pipe applies them. */
describe('RiskEngine request validation', () => {
  it('refuses a card number in every text field (bare, in text, grouped), naming the field, never echoing it', () => {
    expect([
      ...screened(CLAIM_REVIEW, { decision_id: DECISION, reviewer: 'alice', lease_seconds: 0 }, ['reviewer']),
      ...screened(
        RESOLVE_REVIEW,
        { decision_id: DECISION, reviewer: 'alice', label: ReviewLabel.FRAUD, note: '' },
        ['reviewer', 'note'],
      ),
      ...screened(
        PUT_LIST_ENTRY,
        {
          kind: ListKind.BLOCK,
          subject: ListSubject.DEVICE,
          value: 'dev-1',
          reason: '',
          created_by: 'alice',
          expires_at: '',
        },
        ['value', 'reason', 'created_by'],
      ),
    ]).toEqual([]);
  });

  it("refuses a card number in Evaluate's caller-chosen ids and the city, not in the merchant number", () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const valid = {
      attempt_id: DECISION,
      card_token: 'tok_abcdefghijklmnopqrstuvwxyz',
      amount_minor: '1000',
      currency: 'CNY',
      merchant_id: 'm-1',
      mcc: '5814',
      scene: 'ONLINE',
      payer_id: 'oPayer',
      device_id: 'dev-1',
      ip: '',
      geo: { country: 'CN', city: 'Shanghai', coordinates: undefined },
      occurred_at: '2026-12-07T12:00:00Z',
    } as unknown as EvaluateRequest;
    const parse = (r: EvaluateRequest) =>
      parseEvaluateRequest(r, { now, maxFutureSkewMs: 60_000, maxAgeMs: 3_600_000 });
    expect(parse(valid)).toMatchObject({ merchantId: 'm-1' });
    expect(panScreeningFailures(parse, valid, ['payer_id', 'device_id', 'geo.city'])).toEqual([]);
    // The merchant number is the bank's own (15 digits at UnionPay, one in ten Luhn-valid): taken as it is.
    const merchant = uniqueTestPan('8984', 15);
    expect(parse({ ...valid, merchant_id: merchant })).toMatchObject({ merchantId: merchant });
  });
});
