import { ListKind, ListSubject, ReviewLabel } from '@wxpay/contracts';
import { RequestValidationPipe, type RequestRules } from '@wxpay/grpc';
import { panScreeningFailures } from '@wxpay/testing';
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
});
