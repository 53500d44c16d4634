import { dlqTopicOf, Topics } from '@wxpay/contracts';
import { DLQ_HEADERS } from '@wxpay/messaging';
import { readTopic } from '@wxpay/testing';
import { RepaymentCluster } from './support/repayment-cluster';
import {
  closeProducer,
  dueDateIn,
  envelope,
  issue,
  publish,
  publishAs,
  runUntil,
  signerOf,
  statementIssued,
  status,
} from './support/scenario';

jest.setTimeout(240_000);

/** The DLQ messages of statements.v1 under `key` once there are `n`, as [reason, error]. */
async function deadLetters(key: string, n: number): Promise<[string, string][]> {
  const read = await readTopic(dlqTopicOf(Topics.statements.name), {
    until: (msgs) => msgs.filter((m) => m.key === key).length >= n,
  });
  return read
    .filter((m) => m.key === key)
    .map((m) => [m.headers[DLQ_HEADERS.reason]!, m.headers[DLQ_HEADERS.error]!]);
}

/**
 * Issue 24 item 4: someone who can write statements.v1 (past the ACLs) but holds no key of the card system. Before
 * the fix a forged StatementIssued scheduled a deduction from the cardholder's wallet and a forged
 * StatementPaymentReceived cancelled one (see the first commit of these tests); now the repayment service acts only
 * on statements the card system signed.
 */
describe('statements.v1 events the card system did not sign', () => {
  const cluster = new RepaymentCluster();

  beforeAll(async () => {
    await cluster.start();
  }, 240_000);

  afterAll(async () => {
    await closeProducer();
    await cluster.stop();
  });

  async function cardWithPlan() {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    await cluster.createPlan(card, contract);
    return { card, contract };
  }

  it('refuses a forged StatementIssued: no run, no deduction scheduled, the DLQ says why', async () => {
    const { card } = await cardWithPlan();
    const forged = statementIssued(card, await dueDateIn(cluster, 10), 99_999, 9_999);
    const statementId = String(forged.payload.statementId);
    // Unsigned, and signed by the payment service (a producer of other topics, not of statements).
    await publishAs(null, Topics.statements.name, forged);
    await publishAs(signerOf('payment'), Topics.statements.name, forged);
    expect(await deadLetters(statementId, 2)).toEqual([
      ['unverified', expect.stringContaining('unsigned')],
      ['unverified', expect.stringContaining('not-a-producer: payment does not publish')],
    ]);
    expect(await cluster.run(statementId)).toBeUndefined();
    expect(await cluster.query(`SELECT 1 FROM scheduled_job WHERE subject = $1`, [statementId])).toEqual([]);

    // The card system's own statement, under the id the forgeries claimed, is scheduled: they took nothing from it.
    await publish(Topics.statements.name, forged);
    await runUntil(cluster, statementId, status('SCHEDULED'), 'the genuine statement scheduled');
  });

  it('refuses a forged StatementPaymentReceived: the deduction stays scheduled', async () => {
    const { card } = await cardWithPlan();
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 40_000, 4_000));
    await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    const payment = envelope('StatementPaymentReceived', statementId, {
      statementId,
      cardToken: card.token,
      amount: { minor: 40_000, currency: 'CNY' },
      channel: 'COUNTER',
      paymentRef: `forged-${statementId}`,
    });
    await publishAs(null, Topics.statements.name, payment);
    expect(await deadLetters(statementId, 1)).toEqual([['unverified', expect.stringContaining('unsigned')]]);
    // Dead-lettered instead of handled: the run is as it was.
    const run = await runUntil(cluster, statementId, () => true, 'read');
    expect(run.status).toBe('SCHEDULED');
    expect(
      await cluster.query(
        `SELECT 1 FROM scheduled_job WHERE subject = $1 AND kind = 'DEDUCT' AND state = 'PENDING'`,
        [statementId],
      ),
    ).toHaveLength(1);
  });

  it('refuses a StatementPaymentReceived without an amount, even signed by the card system', async () => {
    const { card } = await cardWithPlan();
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 30_000, 3_000));
    await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    await publish(
      Topics.statements.name,
      envelope('StatementPaymentReceived', statementId, {
        statementId,
        cardToken: card.token,
        channel: 'COUNTER',
        paymentRef: `no-amount-${statementId}`,
      }),
    );
    expect(await deadLetters(statementId, 1)).toEqual([
      ['non-retriable', expect.stringContaining('StatementPaymentReceived')],
    ]);
    expect((await cluster.run(statementId)).status).toBe('SCHEDULED');
  });
});
