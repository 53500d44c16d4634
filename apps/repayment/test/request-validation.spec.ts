import { Mode } from '@wxpay/contracts';
import { RequestValidationPipe, type RequestRules } from '@wxpay/grpc';
import { panScreeningFailures } from '@wxpay/testing';
import {
  CANCEL_PLAN,
  CREATE_PLAN,
  INGEST_STATEMENT,
  LIST_RUNS,
  PAUSE_PLAN,
  RETRY_POSTING,
} from '../src/api/request-rules';

const screened = <R>(rules: RequestRules<R>, valid: R, fields: string[]) =>
  panScreeningFailures((r: R) => new RequestValidationPipe<R>(rules).transform(r), valid, fields);

const PLAN_ID = 'rpl_0123456789abcdef0123456789abcdef';
const cny = (minor: string) => ({ amount_minor: minor, currency: 'CNY' });

/** The AutoRepayment request rules (api/request-rules.ts) as the edge's validation pipe applies them. */
describe('AutoRepayment request validation', () => {
  it('refuses a card number in every text field (bare, in text, grouped), naming the field, never echoing it', () => {
    expect([
      ...screened(
        CREATE_PLAN,
        {
          idempotency_key: 'k',
          card_token: 'tok_abcdefghijklmnopqrstuvwxyz',
          contract: { wechat_plan_id: '12535', out_contract_code: 'C-1', contract_id: '', payer_openid: '' },
          mode: Mode.FULL,
          fixed_amount: undefined,
          days_before_due: 3,
        },
        ['contract.wechat_plan_id', 'contract.out_contract_code'],
      ),
      ...screened(PAUSE_PLAN, { idempotency_key: 'k', plan_id: PLAN_ID, reason: '' }, ['reason']),
      ...screened(CANCEL_PLAN, { idempotency_key: 'k', plan_id: PLAN_ID, reason: '' }, ['reason']),
      ...screened(LIST_RUNS, { plan_id: '', statement_id: 'st-1', page_size: 0, page_token: '' }, [
        'statement_id',
      ]),
      ...screened(
        INGEST_STATEMENT,
        {
          statement_id: 'st-1',
          card_token: 'tok_abcdefghijklmnopqrstuvwxyz',
          amount_due: cny('100'),
          minimum_due: cny('10'),
          due_date: '2026-12-31',
          issued_at: '',
        },
        ['statement_id'],
      ),
      ...screened(
        RETRY_POSTING,
        { idempotency_key: 'k', statement_id: 'st-1', operator: 'ops.a', reason: 'r' },
        ['statement_id', 'operator', 'reason'],
      ),
    ]).toEqual([]);
  });

  it('takes any plan id of ours, whatever digits its hex holds (ids it issued are not screened)', () => {
    const digits = `rpl_${'4'.repeat(16)}${'a'.repeat(16)}`;
    expect(
      new RequestValidationPipe(PAUSE_PLAN).transform({ idempotency_key: 'k', plan_id: digits, reason: '' }),
    ).toMatchObject({ plan_id: digits });
  });
});
