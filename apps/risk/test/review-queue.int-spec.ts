import { status } from '@grpc/grpc-js';
import { reasonOf } from '@wxpay/grpc';
import { eventually, readTopic } from '@wxpay/testing';
import { RiskHarness, tok } from './support/risk-harness';

jest.setTimeout(90_000);

interface Case {
  decision_id: string;
  status: string;
  claimed_by: string;
  lease_expires_at: string;
  label: string;
  resolved_by: string;
  reasons: { code: string; value: string }[];
  amount_minor: string;
}

describe('review queue: list, claim with a lease, resolve with a label', () => {
  const h = new RiskHarness({ consume: false });
  let decisionId: string;

  beforeAll(async () => {
    await h.start();
    // 6,000 CNY from a device the card never paid with: REVIEW
    const reply = await h.evaluate({ card_token: tok('review'), amount_minor: '600000' });
    expect(reply.decision).toBe('REVIEW');
    decisionId = reply.decision_id;
    await eventually(
      async () => (await h.count('review_case', 'decision_id = $1', [decisionId])) === 1,
      'case stored',
    );
  });
  afterAll(() => h.stop());

  const list = (status: string, extra: object = {}) =>
    h.adminCall<{ cases: Case[]; next_page_token: string }>('ListReviews', { status, ...extra });

  it('lists REVIEW decisions as open cases with their reasons', async () => {
    const open = await list('OPEN');
    expect(open.cases).toHaveLength(1);
    expect(open.cases[0]).toMatchObject({
      decision_id: decisionId,
      status: 'OPEN',
      amount_minor: '600000',
      // (at night, China time, NIGHT_HIGH_AMOUNT joins it: the wall clock must not decide the test)
      reasons: expect.arrayContaining([
        expect.objectContaining({
          code: 'NEW_DEVICE_HIGH_AMOUNT',
          value: 'device_known=false; 600000 > 500000',
        }),
      ]),
    });
  });

  it('lets one reviewer at a time hold a case; the other is refused until the lease expires', async () => {
    const claimed = await h.adminCall<Case>('ClaimReview', {
      decision_id: decisionId,
      reviewer: 'alice',
      lease_seconds: 60,
    });
    expect(claimed).toMatchObject({ status: 'CLAIMED', claimed_by: 'alice' });
    expect(Date.parse(claimed.lease_expires_at)).toBeGreaterThan(Date.now());

    const bob = await h.failure(h.admin, 'ClaimReview', { decision_id: decisionId, reviewer: 'bob' });
    expect(bob.code).toBe(status.FAILED_PRECONDITION);
    expect(reasonOf(bob)).toBe('CLAIMED_BY_OTHER');
    const bobResolves = await h.failure(h.admin, 'ResolveReview', {
      decision_id: decisionId,
      reviewer: 'bob',
      label: 'LEGIT',
    });
    expect(reasonOf(bobResolves)).toBe('CLAIMED_BY_OTHER');
    expect((await list('CLAIMED')).cases.map((c) => c.decision_id)).toEqual([decisionId]);
    expect((await list('OPEN')).cases).toEqual([]);

    // The lease runs out (moved into the past rather than waited for): the case is open again and bob may take it.
    await h.db.dataSource.query(`UPDATE review_case SET lease_expires_at = now() - interval '1 second'`);
    expect((await list('OPEN')).cases.map((c) => [c.decision_id, c.claimed_by])).toEqual([[decisionId, '']]);
    const aliceLate = await h.failure(h.admin, 'ResolveReview', {
      decision_id: decisionId,
      reviewer: 'alice',
      label: 'LEGIT',
    });
    expect(reasonOf(aliceLate)).toBe('NOT_CLAIMED');
    expect(
      await h.adminCall<Case>('ClaimReview', { decision_id: decisionId, reviewer: 'bob' }),
    ).toMatchObject({
      claimed_by: 'bob',
    });
  });

  it('resolves with a label, publishes RiskReviewResolved, and refuses a second resolution', async () => {
    const resolved = await h.adminCall<Case>('ResolveReview', {
      decision_id: decisionId,
      reviewer: 'bob',
      label: 'FRAUD',
      note: 'cardholder denies',
    });
    expect(resolved).toMatchObject({ status: 'RESOLVED', label: 'FRAUD', resolved_by: 'bob' });
    expect((await list('RESOLVED')).cases.map((c) => c.decision_id)).toEqual([decisionId]);
    const again = await h.failure(h.admin, 'ResolveReview', {
      decision_id: decisionId,
      reviewer: 'bob',
      label: 'LEGIT',
    });
    expect(reasonOf(again)).toBe('ALREADY_RESOLVED');
    const events = await readTopic(h.topics.decisions, {
      until: (m) => m.some((x) => JSON.parse(x.value!).type === 'RiskReviewResolved'),
    });
    const event = JSON.parse(events.find((x) => JSON.parse(x.value!).type === 'RiskReviewResolved')!.value!);
    expect(event.payload).toMatchObject({
      decisionId,
      label: 'FRAUD',
      reviewer: 'bob',
      cardToken: tok('review'),
    });
  });

  it('pages through the queue and refuses bad requests', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await h.evaluate({ card_token: tok(`page_${i}`), amount_minor: '600000' })).decision_id);
    }
    await eventually(async () => (await list('OPEN')).cases.length === 3, 'three open cases');
    const first = await list('OPEN', { limit: 2 });
    expect(first.cases).toHaveLength(2);
    const second = await list('OPEN', { limit: 2, page_token: first.next_page_token });
    expect(second.next_page_token).toBe('');
    expect([...first.cases, ...second.cases].map((c) => c.decision_id).sort()).toEqual(ids.sort());

    const unknown = await h.failure(h.admin, 'ClaimReview', {
      decision_id: '00000000-0000-4000-8000-000000000000',
      reviewer: 'bob',
    });
    expect(unknown.code).toBe(status.NOT_FOUND);
    for (const [req, method] of [
      [{ decision_id: 'nope', reviewer: 'bob' }, 'ClaimReview'],
      [{ decision_id: ids[0], reviewer: '' }, 'ClaimReview'],
      [{ decision_id: ids[0], reviewer: 'bob', lease_seconds: 99999 }, 'ClaimReview'],
      [{ decision_id: ids[0], reviewer: 'bob', label: 'REVIEW_LABEL_UNSPECIFIED' }, 'ResolveReview'],
      [{ status: 'OPEN', page_token: 'garbage' }, 'ListReviews'],
    ] as const) {
      expect((await h.failure(h.admin, method, req)).code).toBe(status.INVALID_ARGUMENT);
    }
  });
});
