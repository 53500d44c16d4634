import { dlqTopicOf } from '@wxpay/contracts';
import { DLQ_HEADERS } from '@wxpay/messaging';
import { eventually, readTopic, testKafka } from '@wxpay/testing';
import { WindowKind } from '../src/domain/state/window-kinds';
import { cardEvent, paymentEvent, RiskHarness, tok } from './support/risk-harness';

jest.setTimeout(120_000);

const HOUR = 3_600_000;

describe('lifecycle stream through real Kafka: windows, alerts, suspensions, exactly once', () => {
  const h = new RiskHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  const declines = (card: string) =>
    h.runtime.state.windows.sum('card', card, WindowKind.DECLINE, 'count', HOUR, Date.now() + 1000);

  it('updates the windows from declines and raises one REPEATED_DECLINES alert on risk.alerts.v1, once under redelivery', async () => {
    const card = tok('stream_a');
    const events = Array.from({ length: 5 }, () => paymentEvent('PaymentFailed', { card }));
    // The same event produced twice: the inbox applies it once.
    await h.produce(h.topics.payments, ...events, events[2]!);
    // The windows see a chunk's facts before its transaction commits (and take them back on a rollback), so the
    // changelog rows are waited for too: beside a CPU hog the check once ran between the two (2 rows of 5).
    await eventually(async () => declines(card) === 5, 'five declines in the card window');
    await eventually(
      async () => (await h.count('risk_event', 'card_token = $1', [card])) === 5,
      'five declines in the changelog',
    );
    expect(declines(card)).toBe(5);

    // The alert is published by the relay, then read back by a new consumer group: on a busy machine either can be
    // slow, and the failure should say which (a row still in the outbox is one the relay has not published).
    const alerts = await readTopic(h.topics.alerts, { until: (m) => m.length >= 1, timeoutMs: 60_000 });
    if (alerts.length === 0) {
      const waiting = await h.count('outbox_event', 'topic = $1', [h.topics.alerts]);
      throw new Error(
        `no alert read back, ${waiting} still in the outbox; the relay and the service logged:\n${h.log.lines.slice(-20).join('\n')}`,
      );
    }
    expect(alerts).toHaveLength(1);
    const alert = JSON.parse(alerts[0]!.value!);
    expect(alert).toMatchObject({
      type: 'RiskAlertRaised',
      aggregateId: card,
      payload: {
        code: 'REPEATED_DECLINES',
        severity: 'HIGH',
        value: '5 >= 5',
        cardToken: card,
        suspendToken: false,
      },
    });
    expect(events.map((e) => e.id)).toContain(alert.payload.sourceEventId);

    // Replay the whole partition history: nothing is applied or raised twice.
    await h.runtime.stop();
    const admin = testKafka().admin();
    await admin.moveGroup(h.config.consumerGroup, h.topics.payments, 'earliest');
    await admin.close();
    await h.restart();
    await h.produce(h.topics.payments, paymentEvent('PaymentCaptured', { card: tok('stream_marker') }));
    await eventually(
      async () => (await h.count('risk_event', 'card_token = $1', [tok('stream_marker')])) === 1,
      'the replay reached the marker behind it',
    );
    expect(declines(card)).toBe(5); // rebuilt from the changelog, not counted again from the replay
    expect(await h.count('risk_event', 'card_token = $1', [card])).toBe(5);
    expect(await h.count('risk_alert', 'card_token = $1', [card])).toBe(1);
    const again = await readTopic(h.topics.alerts, { until: (m) => m.length >= 2, timeoutMs: 2000 });
    expect(again).toHaveLength(1);
  });

  it('suspends the token through the vault on a CRITICAL alert (decline storm), once, and then rejects the card', async () => {
    const card = tok('stream_storm');
    await h.produce(
      h.topics.payments,
      ...Array.from({ length: 10 }, () => paymentEvent('PaymentFailed', { card })),
    );
    // 60 s: in a CI run beside a CPU hog on both cores, 15 s were not enough for ten events through the consumer,
    // the windows, the alert and the suspension worker (issue 16 item 7).
    await eventually(
      async () => h.suspender.calls.some((c) => c.token === card),
      'SuspendToken called',
      60_000,
    ).catch((e: Error) => {
      // Once in a loaded CI run this wait ran out: say what the service logged, so the next time shows why.
      throw new Error(`${e.message}; the service logged:\n${h.log.lines.slice(-20).join('\n')}`);
    });
    const calls = h.suspender.calls.filter((c) => c.token === card);
    expect(calls).toHaveLength(1);
    const [storm] = await h.db.dataSource.query(
      `SELECT alert_id FROM risk_alert WHERE card_token = $1 AND code = 'DECLINE_STORM'`,
      [card],
    );
    expect(calls[0]).toEqual({
      token: card,
      reason: 'DECLINE_STORM: 10 >= 10',
      idempotencyKey: storm.alert_id,
    });
    await eventually(
      async () => h.runtime.state.statuses.status(card) === 'SUSPENDED',
      'status suspended',
      60_000,
    );
    const reply = await h.evaluate({ card_token: card });
    expect(reply.decision).toBe('REJECT');
    expect(reply.reasons.map((r) => r.code)).toContain('CARD_NOT_ACTIVE');
    const critical = await readTopic(h.topics.alerts, {
      until: (m) => m.some((x) => JSON.parse(x.value!).payload.code === 'DECLINE_STORM'),
    });
    expect(critical.filter((x) => JSON.parse(x.value!).payload.code === 'DECLINE_STORM')).toHaveLength(1);
  });

  it('retries a suspension the vault failed, with the same idempotency key', async () => {
    const card = tok('stream_retry');
    h.suspender.failNext = 1;
    h.runtime.state.lists.put({
      kind: 'BLOCK',
      subject: 'CARD_TOKEN',
      value: card,
      reason: 'stolen',
      createdBy: 'test',
      createdAt: 0,
      expiresAt: null,
    });
    await h.produce(h.topics.payments, paymentEvent('PaymentCaptured', { card }));
    await eventually(
      async () => h.suspender.calls.filter((c) => c.token === card).length === 2,
      'a retry',
      20_000,
    );
    const [first, second] = h.suspender.calls.filter((c) => c.token === card);
    expect(second!.idempotencyKey).toBe(first!.idempotencyKey);
    // The worker records the outcome after the vault answered: beside a CPU hog the row was read in between.
    const row = await eventually(async () => {
      const [r] = (await h.db.dataSource.query(
        `SELECT status, attempts FROM token_suspension WHERE card_token = $1`,
        [card],
      )) as { status: string; attempts: number }[];
      return r?.status === 'DONE' && r;
    }, 'the suspension recorded as done');
    expect(row).toEqual({ status: 'DONE', attempts: 2 });
  });

  it('follows card status from cards.lifecycle.v1', async () => {
    const card = tok('stream_status');
    await h.produce(h.topics.cards, cardEvent('CardSuspended', card, 'SUSPENDED'));
    await eventually(async () => h.runtime.state.statuses.status(card) === 'SUSPENDED', 'suspended');
    expect((await h.evaluate({ card_token: card })).decision).toBe('REJECT');
    await h.produce(h.topics.cards, cardEvent('CardResumed', card, 'ACTIVE'));
    await eventually(async () => h.runtime.state.statuses.status(card) === 'ACTIVE', 'resumed');
    expect((await h.evaluate({ card_token: card })).decision).toBe('APPROVE');
  });

  it('sends a payment event it cannot use to the DLQ, naming the field, and keeps consuming', async () => {
    const bad = paymentEvent('PaymentCaptured', { extra: { amount: { minor: -5, currency: 'CNY' } } });
    await h.produce(h.topics.payments, bad);
    const dead = await readTopic(dlqTopicOf(h.topics.payments), { until: (m) => m.length >= 1 });
    expect(JSON.parse(dead[0]!.value!).id).toBe(bad.id);
    expect(dead[0]!.headers[DLQ_HEADERS.reason]).toBe('non-retriable');
    expect(dead[0]!.headers[DLQ_HEADERS.error]).toContain('amount: amount must be positive');
    const next = paymentEvent('PaymentCaptured', { card: tok('after_bad') });
    await h.produce(h.topics.payments, next);
    await eventually(
      async () => (await h.count('risk_event', 'event_id = $1', [next.id])) === 1,
      'next applied',
    );
  });
});
