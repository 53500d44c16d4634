import { eventually } from '@wxpay/testing';
import { cardEvent, paymentEvent, RiskHarness, tok } from './support/risk-harness';

jest.setTimeout(120_000);

/** Issue 24 item 4, before the fix: what someone who can write the lifecycle topics makes risk do. */
describe('lifecycle events their producers did not publish (attack, current code)', () => {
  const h = new RiskHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('ATTACK: a forged CardSuspended makes risk reject the card', async () => {
    const card = tok('forged_card_event');
    expect((await h.evaluate({ card_token: card })).decision).toBe('APPROVE');
    await h.produce(h.topics.cards, cardEvent('CardSuspended', card, 'SUSPENDED'));
    await eventually(async () => h.runtime.state.statuses.status(card) === 'SUSPENDED', 'suspended');
    expect((await h.evaluate({ card_token: card })).decision).toBe('REJECT');
  });

  it('ATTACK: forged PaymentFailed events make risk suspend the token at the vault', async () => {
    const card = tok('forged_decline_storm');
    await h.produce(
      h.topics.payments,
      ...Array.from({ length: 10 }, () => paymentEvent('PaymentFailed', { card })),
    );
    await eventually(
      async () => h.suspender.calls.some((c) => c.token === card),
      'SuspendToken called',
      60_000,
    );
  });
});
