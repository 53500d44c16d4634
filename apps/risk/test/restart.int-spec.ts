import { eventually } from '@wxpay/testing';
import { randomUUID } from 'crypto';
import { WindowKind } from '../src/domain/state/window-kinds';
import { paymentEvent, RiskHarness, tok } from './support/risk-harness';

jest.setTimeout(120_000);

const MIN = 60_000;

describe('velocity windows after a restart', () => {
  const h = new RiskHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('rebuilds the windows from stored decisions and events by event time, and remembers known devices', async () => {
    const card = tok('restart');
    const now = Date.now();
    // Five attempts in the last minutes (their event times, not their arrival, place them in the windows).
    for (let i = 0; i < 5; i++) {
      const r = await h.evaluate({
        card_token: card,
        device_id: 'dev-home',
        occurred_at: new Date(now - (5 - i) * MIN).toISOString(),
      });
      expect(r.decision).toBe('APPROVE');
    }
    // Three declines through Kafka, and an authorisation that teaches the device.
    const failures = [0, 1, 2].map(() =>
      paymentEvent('PaymentFailed', { card, device: 'dev-home', at: new Date(now - 2 * MIN) }),
    );
    await h.produce(
      h.topics.payments,
      ...failures,
      paymentEvent('PaymentAuthorized', { card, device: 'dev-home', at: new Date(now - 30 * MIN) }),
    );
    await eventually(
      async () => (await h.count('risk_event', 'card_token = $1', [card])) === 4,
      'events stored',
    );
    // A decline stored 50 minutes ago (event time): inside 1 h, outside 10 min. One 25 hours ago: outside all.
    for (const ageMin of [50, 25 * 60]) {
      await h.db.dataSource.query(
        `INSERT INTO risk_event (event_id, event_type, card_token, device_id, ip, merchant_id, mcc, scene, amount_minor,
           amount_currency, amount_cny_minor, country, city, occurred_at)
         VALUES ($1, 'PaymentFailed', $2, 'dev-home', '10.1.2.3', 'mch-coffee', '5814', 'ONLINE', 100, 'CNY', 100, 'CN', '',
           $3)`,
        [randomUUID(), card, new Date(now - ageMin * MIN)],
      );
    }

    await h.restart(); // a fresh process: empty memory, same database
    const windows = h.runtime.state.windows;
    const at = Date.now();
    expect(windows.sum('card', card, WindowKind.ATTEMPT, 'count', 10 * MIN, at)).toBe(5);
    expect(windows.sum('card', card, WindowKind.DECLINE, 'count', 10 * MIN, at)).toBe(3);
    expect(windows.sum('card', card, WindowKind.DECLINE, 'count', 60 * MIN, at)).toBe(4);
    expect(windows.sum('card', card, WindowKind.DECLINE, 'count', 24 * 60 * MIN, at)).toBe(4);

    // The sixth attempt is judged with the five before the restart, the declines, and the known device.
    const sixth = await h.evaluate({ card_token: card, device_id: 'dev-home', amount_minor: '600000' });
    expect(sixth.decision).toBe('REJECT');
    expect(sixth.reasons.map((r) => [r.code, r.value])).toEqual(
      expect.arrayContaining([
        ['VELOCITY_CARD_10M', '6 > 5'],
        ['REPEATED_DECLINES', '4 >= 3'],
      ]),
    );
    expect(sixth.reasons.map((r) => r.code)).not.toContain('NEW_DEVICE_HIGH_AMOUNT');
  });

  it('drains buffered decisions on a graceful stop', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.evaluate({ card_token: tok(`drain_${i}`) })),
    );
    await h.restart();
    const ids = replies.map((r) => r.decision_id);
    expect(await h.count('risk_decision', 'decision_id = ANY($1::uuid[])', [ids])).toBe(50);
  });
});
