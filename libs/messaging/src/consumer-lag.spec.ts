import { createMetrics } from '@wxpay/observability';
import { captureLogger } from '@wxpay/testing';
import { type KafkaAdmin } from './client/admin';
import { ConsumerLagPoller, lagIntervalMs } from './consumer-lag';
import { deadLetterCounter } from './dead-letter';
import { messagingMetrics } from './messaging-metrics';

/** An admin stand-in: one group of ours with one committed partition, and a switch to make it fail. */
function fakeAdmin() {
  const state = { failing: false, closes: 0, polls: 0 };
  const admin: Pick<KafkaAdmin, 'consumerGroups' | 'committedOffsets' | 'partitionMarks' | 'close'> = {
    close: async () => void state.closes++,
    consumerGroups: async () => {
      state.polls++;
      if (state.failing) throw new Error('broker away');
      return [
        {
          groupId: 'risk-stream',
          protocolType: 'consumer',
          members: [{ clientId: 'risk', topics: [] }],
        },
      ];
    },
    committedOffsets: async () => [{ topic: 'payments.lifecycle.v1', partition: 0, offset: 40n }],
    partitionMarks: async () => [{ partition: 0, low: 0n, high: 42n }],
  };
  return { admin: admin as KafkaAdmin, state };
}

const LAG_LINE =
  'wxpay_consumer_lag{group="risk-stream",topic="payments.lifecycle.v1",partition="0",service="risk"} 2';

describe('consumer lag poller', () => {
  it('bounds its interval', () => {
    expect(lagIntervalMs(undefined)).toBe(15_000);
    expect(lagIntervalMs(10)).toBe(1000);
    expect(lagIntervalMs(3_600_000)).toBe(300_000);
    expect(lagIntervalMs(5000)).toBe(5000);
  });

  it('sets the gauge per partition, drops it when a poll fails, and stops without polling again', async () => {
    const { admin, state } = fakeAdmin();
    const metrics = createMetrics({ service: 'risk', defaultMetrics: false });
    const poller = new ConsumerLagPoller({
      admin,
      metrics,
      logger: captureLogger('error').logger,
      clientId: 'risk',
    });
    await poller.poll();
    expect(await metrics.registry.metrics()).toContain(LAG_LINE);

    state.failing = true;
    await expect(poller.poll()).rejects.toThrow('broker away');
    poller.start(); // the scheduled poll fails too and drops the series
    for (let i = 0; i < 50 && state.polls < 3; i++) await new Promise((r) => setTimeout(r, 5));
    await poller.stop();
    expect(await metrics.registry.metrics()).not.toContain('wxpay_consumer_lag{');
    const polls = state.polls;
    await new Promise((r) => setTimeout(r, 20));
    expect(state.polls).toBe(polls);
    expect(state.closes).toBe(1);
  });
});

describe('dead letters counter', () => {
  it('counts by original topic and reason, through the consumers’ MessagingMetrics', async () => {
    const metrics = createMetrics({ service: 'repayment', defaultMetrics: false });
    const m = messagingMetrics(metrics);
    m.deadLettered?.({ topic: 'statements.v1', reason: 'handler-failed' });
    m.deadLettered?.({ topic: 'statements.v1', reason: 'handler-failed' });
    deadLetterCounter(metrics)({ topic: 'statements.v1', reason: 'invalid-envelope' });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'wxpay_dead_letters_total{topic="statements.v1",reason="handler-failed",service="repayment"} 2',
    );
    expect(text).toContain(
      'wxpay_dead_letters_total{topic="statements.v1",reason="invalid-envelope",service="repayment"} 1',
    );
  });
});
