import {
  attempt,
  BEIJING,
  codes,
  engineWith,
  fact,
  HOUR,
  MIN,
  PARIS,
  reason,
  SHANGHAI,
  T0,
} from './support/engine-fixtures';

/** Each default rule: a case that fires it (with the values behind it) and a near miss that does not. */
describe('default rule set (wechatpay-credit@1.0.0)', () => {
  it('approves an ordinary payment with no reasons', () => {
    const { evaluate } = engineWith();
    const { live } = evaluate(attempt());
    expect(live).toEqual({
      decision: 'APPROVE',
      score: 0,
      reasons: [],
      ruleSetVersion: 'wechatpay-credit@1.0.0',
    });
  });

  describe('card status', () => {
    it.each(['SUSPENDED', 'DELETED'] as const)('rejects a %s token', (status) => {
      const { state, evaluate } = engineWith();
      state.statuses.set('tok_card_a', status);
      const { live } = evaluate(attempt());
      expect(live.decision).toBe('REJECT');
      expect(reason(live, 'CARD_NOT_ACTIVE')).toBe(`card_status=${status}`);
    });

    it('lets an active (or resumed) token pay', () => {
      const { state, evaluate } = engineWith();
      state.statuses.set('tok_card_a', 'SUSPENDED');
      state.statuses.set('tok_card_a', 'ACTIVE');
      expect(codes(evaluate(attempt()).live)).not.toContain('CARD_NOT_ACTIVE');
    });

    it('never lets a deleted token come back', () => {
      const { state } = engineWith();
      state.statuses.set('tok_card_a', 'DELETED');
      state.statuses.set('tok_card_a', 'SUSPENDED');
      expect(state.statuses.status('tok_card_a')).toBe('DELETED');
    });
  });

  describe('block lists', () => {
    const cases = [
      ['CARD_TOKEN', 'BLOCKLIST_CARD', 'tok_card_a'],
      ['DEVICE', 'BLOCKLIST_DEVICE', 'dev-a'],
      ['IP', 'BLOCKLIST_IP', '10.1.2.3'],
      ['MERCHANT', 'BLOCKLIST_MERCHANT', 'mch-coffee'],
    ] as const;
    it.each(cases)('rejects a listed %s', (subject, code, value) => {
      const { state, evaluate } = engineWith();
      state.lists.put({
        kind: 'BLOCK',
        subject,
        value,
        reason: 'fraud ring',
        createdBy: 't',
        createdAt: 0,
        expiresAt: null,
      });
      const { live } = evaluate(attempt());
      expect(live.decision).toBe('REJECT');
      expect(reason(live, code)).toBe(`${subject} on BLOCK list (fraud ring)`);
    });

    it.each(cases)('ignores a %s entry for another value, or one that has expired', (subject, code) => {
      const { state, evaluate } = engineWith();
      state.lists.put({
        kind: 'BLOCK',
        subject,
        value: 'someone-else',
        reason: '',
        createdBy: 't',
        createdAt: 0,
        expiresAt: null,
      });
      expect(codes(evaluate(attempt()).live)).not.toContain(code);
      const value = { CARD_TOKEN: 'tok_card_a', DEVICE: 'dev-a', IP: '10.1.2.3', MERCHANT: 'mch-coffee' }[
        subject
      ];
      state.lists.put({
        kind: 'BLOCK',
        subject,
        value,
        reason: '',
        createdBy: 't',
        createdAt: 0,
        expiresAt: T0 + MIN,
      });
      expect(codes(evaluate(attempt({ at: T0 + 30_000 })).live)).toContain(code);
      expect(codes(evaluate(attempt({ at: T0 + MIN })).live)).not.toContain(code);
    });
  });

  describe('prohibited merchant categories', () => {
    it('rejects gambling (MCC 7995)', () => {
      const { live } = engineWith().evaluate(attempt({ mcc: '7995' }));
      expect(live.decision).toBe('REJECT');
      expect(reason(live, 'MCC_PROHIBITED')).toBe('mcc=7995');
    });
    it('accepts groceries (MCC 5411)', () => {
      expect(codes(engineWith().evaluate(attempt({ mcc: '5411' })).live)).toEqual([]);
    });
  });

  describe('allow list', () => {
    it('approves despite scores, but never despite a hard reject', () => {
      const { state, evaluate } = engineWith();
      state.lists.put({
        kind: 'ALLOW',
        subject: 'CARD_TOKEN',
        value: 'tok_card_a',
        reason: 'VIP',
        createdBy: 't',
        createdAt: 0,
        expiresAt: null,
      });
      // new device + large amount + night: 95 points, REJECT without the allow list.
      const night = Date.parse('2026-11-24T18:30:00.000Z'); // 02:30 CST
      const scored = evaluate(attempt({ amountMinor: 2_500_000, at: night })).live;
      expect(scored.decision).toBe('APPROVE');
      expect(codes(scored)).toEqual(expect.arrayContaining(['ALLOWLIST_CARD', 'NEW_DEVICE_HIGH_AMOUNT']));
      expect(evaluate(attempt({ mcc: '7995', at: night + MIN })).live.decision).toBe('REJECT');
    });
    it('does not apply to other cards', () => {
      const { state, evaluate } = engineWith();
      state.lists.put({
        kind: 'ALLOW',
        subject: 'CARD_TOKEN',
        value: 'tok_other',
        reason: '',
        createdBy: 't',
        createdAt: 0,
        expiresAt: null,
      });
      expect(codes(evaluate(attempt()).live)).toEqual([]);
    });
  });

  describe('amount limits by scene', () => {
    it.each([
      ['ONLINE', 5_000_001, 'CNY', 'AMOUNT_LIMIT_ONLINE', '5000001 > 5000000'],
      ['OFFLINE_QR', 2_000_001, 'CNY', 'AMOUNT_LIMIT_OFFLINE_QR', '2000001 > 2000000'],
      ['CROSS_BORDER', 420_000, 'USD', 'AMOUNT_LIMIT_CROSS_BORDER', '3024000 > 3000000'],
    ] as const)('%s: rejects above the limit', (scene, amountMinor, currency, code, value) => {
      const { live } = engineWith().evaluate(attempt({ scene, amountMinor, currency }));
      expect(live.decision).toBe('REJECT');
      expect(reason(live, code)).toBe(`scene=${scene}; ${value}`);
    });
    it.each([
      ['ONLINE', 5_000_000, 'CNY'],
      ['OFFLINE_QR', 2_000_000, 'CNY'],
      ['CROSS_BORDER', 400_000, 'USD'],
    ] as const)('%s: accepts the limit itself', (scene, amountMinor, currency) => {
      const all = codes(engineWith().evaluate(attempt({ scene, amountMinor, currency })).live);
      expect(all.filter((c) => c.startsWith('AMOUNT_LIMIT'))).toEqual([]);
    });
    it('scores a large amount within the limit, not a small one', () => {
      const { engine, evaluate } = engineWith();
      engine.apply(fact('PaymentAuthorized')); // the device is known: only the amount speaks
      const large = evaluate(attempt({ amountMinor: 2_500_000 })).live;
      expect(large).toMatchObject({ decision: 'APPROVE', score: 20 });
      expect(reason(large, 'AMOUNT_LARGE')).toBe('2500000 > 2000000');
      expect(codes(evaluate(attempt({ amountMinor: 2_000_000, at: T0 + MIN })).live)).toEqual([]);
    });
  });

  describe('velocity', () => {
    it('rejects a card-testing burst: the 6th attempt in 10 minutes', () => {
      const { evaluate } = engineWith();
      for (let i = 0; i < 5; i++)
        expect(evaluate(attempt({ at: T0 + i * MIN })).live.decision).toBe('APPROVE');
      const sixth = evaluate(attempt({ at: T0 + 5 * MIN })).live;
      expect(sixth.decision).toBe('REJECT');
      expect(reason(sixth, 'VELOCITY_CARD_10M')).toBe('6 > 5');
    });

    it('slides: six attempts spread over 15 minutes are not a burst', () => {
      const { evaluate } = engineWith();
      const verdicts = Array.from({ length: 6 }, (_, i) => evaluate(attempt({ at: T0 + i * 3 * MIN })).live);
      expect(verdicts.flatMap(codes)).toEqual([]);
    });

    it('scores the 11th attempt in an hour on one card (REVIEW)', () => {
      const { evaluate } = engineWith();
      for (let i = 0; i < 10; i++)
        expect(codes(evaluate(attempt({ at: T0 + i * 5 * MIN })).live)).toEqual([]);
      const eleventh = evaluate(attempt({ at: T0 + 50 * MIN })).live;
      expect(eleventh).toMatchObject({ decision: 'REVIEW', score: 40 });
      expect(reason(eleventh, 'VELOCITY_CARD_1H')).toBe('11 > 10');
      // an hour after the first, the window has let it go
      expect(codes(evaluate(attempt({ at: T0 + 65 * MIN })).live)).not.toContain('VELOCITY_CARD_1H');
    });

    it('scores more than 100,000 CNY attempted on a card in 24 hours', () => {
      const { evaluate } = engineWith();
      evaluate(attempt({ amountMinor: 4_000_000, at: T0 }));
      const second = evaluate(attempt({ amountMinor: 4_000_000, at: T0 + 6 * HOUR })).live;
      expect(codes(second)).not.toContain('VELOCITY_CARD_AMOUNT_24H');
      const third = evaluate(attempt({ amountMinor: 4_000_000, at: T0 + 12 * HOUR })).live;
      expect(reason(third, 'VELOCITY_CARD_AMOUNT_24H')).toBe('12000000 > 10000000');
      const nextDay = evaluate(attempt({ amountMinor: 100, at: T0 + 25 * HOUR })).live;
      expect(codes(nextDay)).not.toContain('VELOCITY_CARD_AMOUNT_24H');
    });

    it('scores the 21st attempt from one device in an hour, whatever the cards', () => {
      const { evaluate } = engineWith();
      for (let i = 0; i < 20; i++) {
        const v = evaluate(attempt({ cardToken: `tok_${i}`, at: T0 + i * 2 * MIN })).live;
        expect(codes(v)).not.toContain('VELOCITY_DEVICE_1H');
      }
      const v = evaluate(attempt({ cardToken: 'tok_21', at: T0 + 41 * MIN })).live;
      expect(reason(v, 'VELOCITY_DEVICE_1H')).toBe('21 > 20');
    });

    it('scores the 31st attempt from one IP in an hour, whatever the cards and devices', () => {
      const { evaluate } = engineWith();
      for (let i = 0; i < 30; i++) {
        const v = evaluate(attempt({ cardToken: `tok_${i}`, deviceId: `dev-${i}`, at: T0 + i * MIN })).live;
        expect(codes(v)).not.toContain('VELOCITY_IP_1H');
      }
      const v = evaluate(attempt({ cardToken: 'tok_x', deviceId: 'dev-x', at: T0 + 31 * MIN })).live;
      expect(reason(v, 'VELOCITY_IP_1H')).toBe('31 > 30');
      expect(
        codes(
          evaluate(attempt({ cardToken: 'tok_y', deviceId: 'dev-y', ip: '10.9.9.9', at: T0 + 32 * MIN }))
            .live,
        ),
      ).toEqual([]);
    });
  });

  describe('new device with a high amount', () => {
    it('scores 6,000 CNY from a device the card never paid with (REVIEW)', () => {
      const { live } = engineWith().evaluate(attempt({ amountMinor: 600_000 }));
      expect(live).toMatchObject({ decision: 'REVIEW', score: 45 });
      expect(reason(live, 'NEW_DEVICE_HIGH_AMOUNT')).toBe('device_known=false; 600000 > 500000');
    });
    it('is quiet for a device with an authorised payment, and for small amounts', () => {
      const { engine, evaluate } = engineWith();
      expect(codes(evaluate(attempt({ amountMinor: 40_000 })).live)).toEqual([]);
      engine.apply(fact('PaymentAuthorized', { deviceId: 'dev-a' }));
      expect(codes(evaluate(attempt({ amountMinor: 600_000, at: T0 + MIN })).live)).toEqual([]);
    });
  });

  describe('night-time high amount (China Standard Time)', () => {
    const twoThirtyCst = Date.parse('2026-11-24T18:30:00.000Z');
    it('scores 4,000 CNY at 02:30 in Beijing', () => {
      const { engine, evaluate } = engineWith();
      engine.apply(fact('PaymentAuthorized', { at: twoThirtyCst - HOUR }));
      const v = evaluate(attempt({ amountMinor: 400_000, at: twoThirtyCst })).live;
      expect(v).toMatchObject({ decision: 'APPROVE', score: 30 });
      expect(reason(v, 'NIGHT_HIGH_AMOUNT')).toBe('local_hour=2; 400000 > 300000');
    });
    it('is quiet at 06:00 and at 10:00 CST, and for a small amount at night', () => {
      const { engine, evaluate } = engineWith();
      engine.apply(fact('PaymentAuthorized', { at: twoThirtyCst - HOUR }));
      expect(
        codes(evaluate(attempt({ amountMinor: 400_000, at: Date.parse('2026-11-24T22:00:00.000Z') })).live),
      ).toEqual([]);
      expect(codes(evaluate(attempt({ amountMinor: 400_000, at: T0 })).live)).toEqual([]);
      expect(codes(evaluate(attempt({ amountMinor: 20_000, at: twoThirtyCst })).live)).toEqual([]);
    });
  });

  describe('first cross-border use', () => {
    it('scores the first cross-border payment of a card (REVIEW)', () => {
      const v = engineWith().evaluate(
        attempt({ scene: 'CROSS_BORDER', currency: 'USD', amountMinor: 5_000 }),
      ).live;
      expect(v).toMatchObject({ decision: 'REVIEW', score: 40 });
      expect(reason(v, 'FIRST_CROSS_BORDER')).toBe('scene=CROSS_BORDER; cross_border_seen=false');
    });
    it('is quiet once the card has had a cross-border payment authorised', () => {
      const { engine, evaluate } = engineWith();
      engine.apply(fact('PaymentAuthorized', { scene: 'CROSS_BORDER', currency: 'USD', amountMinor: 5_000 }));
      expect(
        codes(
          evaluate(attempt({ scene: 'CROSS_BORDER', currency: 'USD', amountMinor: 5_000, at: T0 + HOUR }))
            .live,
        ),
      ).toEqual([]);
    });
  });

  describe('impossible travel', () => {
    it('sends Beijing then Paris 30 minutes later to review', () => {
      const { evaluate } = engineWith();
      evaluate(attempt({ geo: { point: BEIJING } }));
      const v = evaluate(attempt({ geo: { point: PARIS }, at: T0 + 30 * MIN })).live;
      expect(v.decision).toBe('REVIEW');
      expect(reason(v, 'IMPOSSIBLE_TRAVEL')).toMatch(/^16\d{3}\.\d > 900$/); // ≈ 8,200 km in 0.5 h
    });
    it('knows cities without coordinates', () => {
      const { evaluate } = engineWith();
      evaluate(attempt({ geo: { country: 'CN', city: 'Shanghai' } }));
      const v = evaluate(attempt({ geo: { country: 'FR', city: 'Paris' }, at: T0 + HOUR })).live;
      expect(codes(v)).toContain('IMPOSSIBLE_TRAVEL');
    });
    it('lets Beijing then Shanghai three hours later pass (a flight)', () => {
      const { evaluate } = engineWith();
      evaluate(attempt({ geo: { point: BEIJING } }));
      expect(codes(evaluate(attempt({ geo: { point: SHANGHAI }, at: T0 + 3 * HOUR })).live)).toEqual([]);
    });
    it('does not move the card’s position on a rejected attempt', () => {
      const { evaluate } = engineWith();
      evaluate(attempt({ geo: { point: BEIJING } }));
      evaluate(attempt({ geo: { point: PARIS }, mcc: '7995', at: T0 + 10 * HOUR })); // rejected: stays in Beijing
      expect(codes(evaluate(attempt({ geo: { point: BEIJING }, at: T0 + 10 * HOUR + MIN })).live)).toEqual(
        [],
      );
    });
  });

  describe('repeated declines', () => {
    it('scores the card after 3 declines in an hour, rejects after 6', () => {
      const { engine, evaluate } = engineWith();
      for (let i = 0; i < 2; i++) engine.apply(fact('PaymentFailed', { at: T0 + i * MIN }));
      expect(codes(evaluate(attempt({ at: T0 + 3 * MIN })).live)).toEqual([]);
      engine.apply(fact('PaymentFailed', { at: T0 + 4 * MIN }));
      const third = evaluate(attempt({ at: T0 + 5 * MIN })).live;
      expect(third).toMatchObject({ decision: 'REVIEW', score: 40 });
      expect(reason(third, 'REPEATED_DECLINES')).toBe('3 >= 3');
      for (let i = 0; i < 3; i++) engine.apply(fact('PaymentFailed', { at: T0 + (10 + i) * MIN }));
      const sixth = evaluate(attempt({ at: T0 + 14 * MIN })).live;
      expect(sixth.decision).toBe('REJECT');
      expect(reason(sixth, 'REPEATED_DECLINES_HARD')).toBe('6 >= 6');
    });
    it('forgets declines older than an hour', () => {
      const { engine, evaluate } = engineWith();
      for (let i = 0; i < 6; i++) engine.apply(fact('PaymentFailed', { at: T0 + i * MIN }));
      expect(codes(evaluate(attempt({ at: T0 + 2 * HOUR })).live)).toEqual([]);
    });
    it('scores a merchant seeing more than 50 declines in 10 minutes', () => {
      const { engine, evaluate } = engineWith();
      for (let i = 0; i < 50; i++)
        engine.apply(fact('PaymentFailed', { cardToken: `tok_${i}`, at: T0 + i * 1000 }));
      expect(codes(evaluate(attempt({ cardToken: 'tok_new', at: T0 + MIN })).live)).toEqual([]);
      engine.apply(fact('PaymentFailed', { cardToken: 'tok_51', at: T0 + MIN }));
      const v = evaluate(attempt({ cardToken: 'tok_new2', at: T0 + 2 * MIN })).live;
      expect(reason(v, 'MERCHANT_DECLINES_10M')).toBe('51 > 50');
    });
  });
});

describe('default monitoring rules (alerts)', () => {
  it('raises REPEATED_DECLINES (HIGH) at the 5th decline in an hour, DECLINE_STORM (CRITICAL, suspend) at the 10th', () => {
    const { observe } = engineWith();
    const hits = Array.from({ length: 10 }, (_, i) =>
      observe(fact('PaymentFailed', { at: T0 + i * MIN })).hits.map((h) => `${h.rule.code}:${h.value}`),
    );
    expect(hits.slice(0, 4).flat()).toEqual([]);
    expect(hits[4]).toEqual(['REPEATED_DECLINES:5 >= 5']);
    expect(hits[9]).toEqual(['REPEATED_DECLINES:10 >= 5', 'DECLINE_STORM:10 >= 10']);
    const storm = observe(fact('PaymentFailed', { at: T0 + 10 * MIN })).hits.find(
      (h) => h.rule.code === 'DECLINE_STORM',
    );
    expect(storm?.rule).toMatchObject({ severity: 'CRITICAL', suspendToken: true, cooldownMs: 24 * HOUR });
  });

  it('raises PAYMENT_ON_BLOCKED_CARD when a blocked card is authorised or captured', () => {
    const { state, observe } = engineWith();
    expect(observe(fact('PaymentCaptured')).hits).toEqual([]);
    state.lists.put({
      kind: 'BLOCK',
      subject: 'CARD_TOKEN',
      value: 'tok_card_a',
      reason: 'stolen',
      createdBy: 't',
      createdAt: 0,
      expiresAt: null,
    });
    const hits = observe(fact('PaymentCaptured', { at: T0 + MIN })).hits;
    expect(hits.map((h) => [h.rule.code, h.rule.suspendToken])).toEqual([['PAYMENT_ON_BLOCKED_CARD', true]]);
  });

  it('raises CARD_SPEND_24H on net captured spend above 100,000 CNY, net of refunds', () => {
    const { observe } = engineWith();
    observe(fact('PaymentCaptured', { amountMinor: 6_000_000 }));
    observe(fact('PaymentRefunded', { amountMinor: 3_000_000, at: T0 + MIN }));
    expect(observe(fact('PaymentCaptured', { amountMinor: 5_000_000, at: T0 + 2 * MIN })).hits).toEqual([]);
    const hits = observe(fact('PaymentCaptured', { amountMinor: 3_000_000, at: T0 + 3 * MIN })).hits;
    expect(hits.map((h) => `${h.rule.code}:${h.value}`)).toEqual(['CARD_SPEND_24H:11000000 > 10000000']);
  });

  it('raises IMPOSSIBLE_TRAVEL on an authorisation far from the last one, not on a plausible trip', () => {
    const { observe } = engineWith();
    observe(fact('PaymentAuthorized', { geo: { lat: BEIJING.lat, lon: BEIJING.lon } }));
    expect(
      observe(fact('PaymentAuthorized', { geo: { lat: SHANGHAI.lat, lon: SHANGHAI.lon }, at: T0 + 3 * HOUR }))
        .hits,
    ).toEqual([]);
    const hits = observe(
      fact('PaymentAuthorized', { geo: { country: 'FR', city: 'Paris' }, at: T0 + 4 * HOUR }),
    ).hits;
    expect(hits.map((h) => h.rule.code)).toEqual(['IMPOSSIBLE_TRAVEL']);
  });

  it('raises REFUND_BURST at the 5th refund in 24 hours', () => {
    const { observe } = engineWith();
    const counts = Array.from(
      { length: 5 },
      (_, i) => observe(fact('PaymentRefunded', { at: T0 + i * HOUR })).hits.length,
    );
    expect(counts).toEqual([0, 0, 0, 0, 1]);
  });

  it('reads a pending fact in the windows without applying it (the stream applies after commit)', () => {
    const { state, engine } = engineWith();
    for (let i = 0; i < 4; i++) engine.apply(fact('PaymentFailed', { at: T0 + i * MIN }));
    const fifth = fact('PaymentFailed', { at: T0 + 4 * MIN });
    expect(engine.monitor(fifth).hits.map((h) => h.rule.code)).toEqual(['REPEATED_DECLINES']);
    expect(engine.monitor(fifth).hits.map((h) => h.rule.code)).toEqual(['REPEATED_DECLINES']); // a retry sees the same
    expect(state.windows.sum('card', 'tok_card_a', 1, 'count', HOUR, T0 + 5 * MIN)).toBe(4);
  });
});
