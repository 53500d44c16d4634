import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { dlqTopicOf, Topics } from '@wxpay/contracts';
import { Sm2PrivateKey } from '@wxpay/gm-crypto';
import { DLQ_HEADERS, EventSigner } from '@wxpay/messaging';
import { DEV_EVENT_KEY_ID, eventually, readTopic, testEventKeys, type ReadMessage } from '@wxpay/testing';
import { cardEvent, paymentEvent, RiskHarness, signerOf, tok } from './support/risk-harness';

jest.setTimeout(120_000);

/** The DLQ messages of `key` once there are `n` of them, as [reason, error]. */
async function deadLetters(topic: string, key: string, n: number): Promise<[string, string][]> {
  const mine = (msgs: ReadMessage[]) => msgs.filter((m) => m.key === key);
  const read = await readTopic(dlqTopicOf(topic), { until: (m) => mine(m).length >= n });
  return mine(read).map((m) => [m.headers[DLQ_HEADERS.reason]!, m.headers[DLQ_HEADERS.error]!]);
}

/**
 * Issue 24 item 4: someone who can write the lifecycle topics (past the ACLs) but holds no producer's key. Before
 * the fix a forged CardSuspended made risk reject the card and ten forged PaymentFailed made it suspend the token
 * at the vault (see the first commit of these tests); now risk applies only what the topic's producer signed.
 */
describe('lifecycle events their producers did not sign', () => {
  const h = new RiskHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('refuses a forged CardSuspended: the card stays active, the event goes to the DLQ, its id stays free', async () => {
    const card = tok('forged_card_event');
    const genuine = cardEvent('CardSuspended', card, 'SUSPENDED');
    // Unsigned, and signed by payment (a service, but not the vault): both carry the id of the genuine event.
    await h.produceAs(null, h.topics.cards, genuine);
    await h.produceAs(signerOf('payment'), h.topics.cards, genuine);
    const dead = await deadLetters(h.topics.cards, card, 2);
    expect(dead).toEqual([
      ['unverified', expect.stringContaining('unsigned')],
      ['unverified', expect.stringContaining('not-a-producer: payment does not publish')],
    ]);
    expect(h.runtime.state.statuses.status(card)).toBe('ACTIVE');
    expect((await h.evaluate({ card_token: card })).decision).toBe('APPROVE');
    expect(await h.count('card_status', 'card_token = $1', [card])).toBe(0);

    // The vault's own event, with the id the forgeries claimed, is applied: they were not recorded under it.
    await h.produce(h.topics.cards, genuine);
    await eventually(async () => h.runtime.state.statuses.status(card) === 'SUSPENDED', 'suspended');
  });

  it('refuses forged PaymentFailed events: no alert, no token suspended at the vault', async () => {
    const card = tok('forged_decline_storm');
    await h.produceAs(
      null,
      h.topics.payments,
      ...Array.from({ length: 10 }, () => paymentEvent('PaymentFailed', { card })),
    );
    // All ten reach the DLQ (keys differ per payment: count by the card in the value).
    const read = await readTopic(dlqTopicOf(h.topics.payments), {
      until: (m) => m.filter((x) => x.value?.includes(card)).length >= 10,
    });
    const dead = read.filter((x) => x.value?.includes(card));
    expect(dead.map((m) => m.headers[DLQ_HEADERS.reason])).toEqual(Array(10).fill('unverified'));
    // A marker behind them on every partition's path shows the consumer is past them.
    const marker = paymentEvent('PaymentCaptured', { card: tok('after_forged_storm') });
    await h.produce(h.topics.payments, marker);
    await eventually(
      async () => (await h.count('risk_event', 'event_id = $1', [marker.id])) === 1,
      'marker applied',
    );
    expect(h.suspender.calls.filter((c) => c.token === card)).toEqual([]);
    expect(await h.count('risk_event', 'card_token = $1', [card])).toBe(0);
    expect(await h.count('risk_alert', 'card_token = $1', [card])).toBe(0);
    expect(await h.count('token_suspension', 'card_token = $1', [card])).toBe(0);
  });

  it("refuses a genuine payment event replayed from another of payment's topics", async () => {
    const card = tok('replayed_payment_event');
    const event = paymentEvent('PaymentFailed', { card });
    // payment publishes wechatpay.notifications.v1 too: its signature there is genuine, but names that topic.
    await h.replay(signerOf('payment'), Topics.wechatpayNotifications.name, h.topics.payments, event);
    const read = await readTopic(dlqTopicOf(h.topics.payments), {
      until: (m) => m.some((x) => x.key === event.aggregateId),
    });
    const dead = read.find((x) => x.key === event.aggregateId)!;
    expect(dead.headers[DLQ_HEADERS.reason]).toBe('unverified');
    expect(dead.headers[DLQ_HEADERS.error]).toContain('bad-signature');
    expect(await h.count('risk_event', 'card_token = $1', [card])).toBe(0);
  });

  it('refuses payment events signed by a service that is not their producer (the vault)', async () => {
    const card = tok('payment_event_signed_by_vault');
    const event = paymentEvent('PaymentFailed', { card });
    await h.produceAs(signerOf('tokenization'), h.topics.payments, event);
    const read = await readTopic(dlqTopicOf(h.topics.payments), {
      until: (m) => m.some((x) => x.key === event.aggregateId),
    });
    expect(read.find((x) => x.key === event.aggregateId)!.headers[DLQ_HEADERS.error]).toContain(
      'not-a-producer: tokenization does not publish',
    );
    expect(await h.count('risk_event', 'card_token = $1', [card])).toBe(0);
  });
});

describe("rotation of the vault's event-signing key", () => {
  const keys = testEventKeys();
  const publicPem = (producer: string) =>
    Sm2PrivateKey.fromPem(readFileSync(keys.keyFile(producer), 'utf8')).publicKey.toPem();
  const newKey = Sm2PrivateKey.generate();
  const signersFile = join(keys.dir, 'rotation-signers.json');
  const list = (tokenizationKeys: { keyId: string; publicKey: string }[]) =>
    writeFileSync(
      signersFile,
      JSON.stringify({
        payment: [{ keyId: DEV_EVENT_KEY_ID, publicKey: publicPem('payment') }],
        tokenization: tokenizationKeys,
      }),
    );
  const oldEntry = () => ({ keyId: DEV_EVENT_KEY_ID, publicKey: publicPem('tokenization') });
  const newEntry = { keyId: 'tokenization-2', publicKey: newKey.publicKey.toPem() };
  const signedOld = signerOf('tokenization');
  const signedNew = new EventSigner('tokenization', 'tokenization-2', newKey);
  const h = new RiskHarness({ env: { EVENT_SIGNERS_FILE: signersFile } });

  beforeAll(async () => {
    list([oldEntry(), newEntry]);
    await h.start();
  });
  afterAll(() => h.stop());

  it('accepts the old and the new key while both are listed, and refuses the old one once it is removed', async () => {
    const a = tok('rotation_old_key');
    const b = tok('rotation_new_key');
    await h.produceAs(signedOld, h.topics.cards, cardEvent('CardSuspended', a, 'SUSPENDED'));
    await h.produceAs(signedNew, h.topics.cards, cardEvent('CardSuspended', b, 'SUSPENDED'));
    await eventually(async () => h.runtime.state.statuses.status(a) === 'SUSPENDED', 'old key applied');
    await eventually(async () => h.runtime.state.statuses.status(b) === 'SUSPENDED', 'new key applied');

    // The rotation is over: the old key is taken off the list and the service restarted.
    list([newEntry]);
    await h.restart();
    await h.produceAs(signedOld, h.topics.cards, cardEvent('CardResumed', a, 'ACTIVE'));
    await h.produceAs(signedNew, h.topics.cards, cardEvent('CardResumed', b, 'ACTIVE'));
    await eventually(async () => h.runtime.state.statuses.status(b) === 'ACTIVE', 'new key still applied');
    expect(await deadLetters(h.topics.cards, a, 1)).toEqual([
      [
        'unverified',
        expect.stringContaining(`unknown-key: tokenization has no listed key ${DEV_EVENT_KEY_ID}`),
      ],
    ]);
    expect(h.runtime.state.statuses.status(a)).toBe('SUSPENDED');
  });
});
