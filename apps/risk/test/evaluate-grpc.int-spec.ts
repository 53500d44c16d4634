import { status } from '@grpc/grpc-js';
import { fieldOf, reasonOf } from '@wxpay/grpc';
import { eventually, readTopic } from '@wxpay/testing';
import { evaluateRequest, RiskHarness, tok } from './support/risk-harness';

jest.setTimeout(90_000);

describe('RiskEngine.Evaluate over mutual TLS', () => {
  const h = new RiskHarness({ consume: false });
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('approves an ordinary payment, stores the decision and publishes RiskDecisionMade', async () => {
    const reply = await h.evaluate({ card_token: tok('ok'), attempt_id: 'pay-ok-1' });
    expect(reply).toMatchObject({
      decision: 'APPROVE',
      score: 0,
      reasons: [],
      rule_set_version: 'wechatpay-credit@1.0.0',
    });
    expect(reply.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(
      async () => (await h.count('risk_decision', 'decision_id = $1', [reply.decision_id])) === 1,
      'stored',
    );
    const published = await readTopic(h.topics.decisions, {
      until: (m) => m.some((x) => JSON.parse(x.value!).id === reply.decision_id),
    });
    const event = JSON.parse(published.find((x) => JSON.parse(x.value!).id === reply.decision_id)!.value!);
    expect(event).toMatchObject({
      type: 'RiskDecisionMade',
      aggregateId: 'pay-ok-1',
      payload: {
        decision: 'APPROVE',
        cardToken: tok('ok'),
        amount: { minor: 3200, currency: 'CNY' },
        scene: 'ONLINE',
      },
    });
  });

  it('explains a decision with reason codes and the values behind them', async () => {
    const card = tok('burst');
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await h.evaluate({ card_token: card }));
    expect(replies.slice(0, 5).map((r) => r.decision)).toEqual(Array(5).fill('APPROVE'));
    expect(replies[5]).toMatchObject({
      decision: 'REJECT',
      reasons: [{ code: 'VELOCITY_CARD_10M', value: '6 > 5', rule_id: 'velocity-card-10m', score: 0 }],
    });
  });

  it('answers a retry with the same attempt id with the first decision, counted once', async () => {
    const req = { card_token: tok('retry'), attempt_id: 'pay-retry-1' };
    const first = await h.evaluate(req);
    const again = await h.evaluate(req);
    expect(again.decision_id).toBe(first.decision_id);
    const sum = h.runtime.state.windows.sum('card', tok('retry'), 0, 'count', 600_000, Date.now() + 1000);
    expect(sum).toBe(1);
  });

  describe('refuses missing or absurd fields with INVALID_ARGUMENT naming the field, and stores nothing', () => {
    const future = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const past = new Date(Date.now() - 2 * 24 * 3_600_000).toISOString();
    it.each([
      ['card_token', { card_token: '' }, 'card_token: is required'],
      [
        'card_token',
        { card_token: '6222021234567890128' },
        'card_token: must be a vault token, not a card number',
      ],
      [
        'card_token',
        { card_token: 'tok_short' },
        'card_token: must be a vault token (tok_ + 26 base32 characters)',
      ],
      ['amount_minor', { amount_minor: '0' }, 'amount_minor: must be greater than zero'],
      ['amount_minor', { amount_minor: '-100' }, 'amount_minor: must be greater than zero'],
      ['amount_minor', { amount_minor: '9000000000000000' }, 'amount_minor: is implausibly large'],
      ['currency', { currency: 'XXX' }, 'currency: is not a currency the gateway settles'],
      ['currency', { currency: '' }, 'currency: is required'],
      ['merchant_id', { merchant_id: '' }, 'merchant_id: is required'],
      ['mcc', { mcc: '58a4' }, 'mcc: must be a 4-digit merchant category code'],
      ['mcc', { mcc: '' }, 'mcc: must be a 4-digit merchant category code'],
      ['scene', { scene: 'SCENE_UNSPECIFIED' }, 'scene: must be one of ONLINE, OFFLINE_QR, CROSS_BORDER'],
      ['payer_id', { payer_id: '' }, 'payer_id: is required'],
      ['device_id', { device_id: 'has space' }, 'device_id: may contain only letters, digits and _ . : @ -'],
      ['ip', { ip: '300.1.1.1' }, 'ip: must be an IPv4 or IPv6 address'],
      [
        'geo.coordinates.lat',
        { geo: { coordinates: { lat: 91, lon: 0 } } },
        'geo.coordinates.lat: must be within ±90',
      ],
      [
        'geo.coordinates.lon',
        { geo: { coordinates: { lat: 0, lon: -181 } } },
        'geo.coordinates.lon: must be within ±180',
      ],
      [
        'geo.country',
        { geo: { country: 'China' } },
        'geo.country: must be an ISO 3166-1 alpha-2 code, e.g. CN',
      ],
      ['occurred_at', { occurred_at: future }, 'occurred_at: is too far in the future'],
      ['occurred_at', { occurred_at: past }, 'occurred_at: is too far in the past'],
      [
        'occurred_at',
        { occurred_at: '2026-11-25 10:00' },
        'occurred_at: must be an ISO-8601 UTC instant ending in Z',
      ],
      ['occurred_at', { occurred_at: '' }, 'occurred_at: is required'],
    ])('%s: %j', async (field, patch, details) => {
      const stored = async () => {
        await eventually(async () => h.runtime.decisionBacklog === 0, 'buffer drained');
        return h.count('risk_decision');
      };
      const before = await stored();
      const err = await h.failure(
        h.payment,
        'Evaluate',
        evaluateRequest({ card_token: tok('bad'), ...patch }),
      );
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldOf(err)).toBe(field);
      expect(err.details).toBe(details);
      expect(err.details).not.toContain('6222021234567890128');
      expect(await stored()).toBe(before);
      expect(h.runtime.state.windows.sum('card', tok('bad'), 0, 'count', 86_400_000, Date.now() + 1000)).toBe(
        0,
      );
    });
  });

  it('reserves administration to the console identity (the caller table)', async () => {
    const err = await h.failure(h.payment, 'GetRuleSetStatus', {});
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(reasonOf(err)).toBe('CALLER_NOT_ALLOWED');
    const ok = await h.adminCall<{ live_version: string }>('GetRuleSetStatus', {});
    expect(ok.live_version).toBe('wechatpay-credit@1.0.0');
  });

  describe('lists', () => {
    it('blocks a card until its entry expires (by event time), then lets it pay', async () => {
      const card = tok('listed');
      const expiresAt = new Date(Date.now() + 60_000).toISOString();
      const entry = await h.adminCall<{ expires_at: string; created_by: string }>('PutListEntry', {
        kind: 'BLOCK',
        subject: 'CARD_TOKEN',
        value: card,
        reason: 'chargeback ring',
        created_by: 'analyst-7',
        expires_at: expiresAt,
      });
      expect(entry).toMatchObject({ expires_at: expiresAt, created_by: 'analyst-7' });
      const blocked = await h.evaluate({ card_token: card });
      expect(blocked.decision).toBe('REJECT');
      expect(blocked.reasons[0]).toMatchObject({
        code: 'BLOCKLIST_CARD',
        value: 'CARD_TOKEN on BLOCK list (chargeback ring)',
      });
      // 90 s later (within the allowed clock skew) the entry has expired.
      const later = await h.evaluate({
        card_token: card,
        occurred_at: new Date(Date.now() + 90_000).toISOString(),
      });
      expect(later.decision).toBe('APPROVE');
      const listed = await h.adminCall<{ entries: { value: string }[] }>('ListListEntries', {
        kind: 'BLOCK',
      });
      expect(listed.entries.map((e) => e.value)).toContain(card);
    });

    it('stores entries in the database (another instance would load them) and deletes them', async () => {
      await h.adminCall('PutListEntry', {
        kind: 'BLOCK',
        subject: 'IP',
        value: '203.0.113.9',
        created_by: 'a',
      });
      expect(await h.count('risk_list_entry', `value = '203.0.113.9'`)).toBe(1);
      expect((await h.evaluate({ ip: '203.0.113.9', card_token: tok('ip') })).decision).toBe('REJECT');
      const del = await h.adminCall<{ deleted: boolean }>('DeleteListEntry', {
        kind: 'BLOCK',
        subject: 'IP',
        value: '203.0.113.9',
      });
      expect(del.deleted).toBe(true);
      expect((await h.evaluate({ ip: '203.0.113.9', card_token: tok('ip2') })).decision).toBe('APPROVE');
    });

    it.each([
      [{ kind: 'BLOCK', subject: 'IP', value: 'not-an-ip', created_by: 'a' }, 'value'],
      [{ kind: 'BLOCK', subject: 'CARD_TOKEN', value: '6222021234567890128', created_by: 'a' }, 'value'],
      [{ kind: 'BLOCK', subject: 'CARD_TOKEN', value: 'tok_NOT_BASE32', created_by: 'a' }, 'value'],
      [{ kind: 'GREY', subject: 'IP', value: '1.2.3.4', created_by: 'a' }, 'kind'],
      [
        {
          kind: 'BLOCK',
          subject: 'IP',
          value: '1.2.3.4',
          created_by: 'a',
          expires_at: '2020-01-01T00:00:00Z',
        },
        'expires_at',
      ],
      [{ kind: 'BLOCK', subject: 'IP', value: '1.2.3.4' }, 'created_by'],
    ])('refuses a bad entry %j (field %s)', async (req, field) => {
      const err = await h.failure(h.admin, 'PutListEntry', req);
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldOf(err)).toBe(field);
    });
  });
});
