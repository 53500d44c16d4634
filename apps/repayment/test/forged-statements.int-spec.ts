import { Topics } from '@wxpay/contracts';
import { RepaymentCluster } from './support/repayment-cluster';
import {
  closeProducer,
  dueDateIn,
  envelope,
  issue,
  publish,
  runUntil,
  statementIssued,
  status,
} from './support/scenario';

jest.setTimeout(240_000);

/**
 * Issue 24 item 4, before the fix: what someone who can write statements.v1 (past the ACLs) makes the repayment
 * service do with events the card system never published.
 */
describe('statements.v1 events the card system did not publish (attack, current code)', () => {
  const cluster = new RepaymentCluster();

  beforeAll(async () => {
    await cluster.start();
  }, 240_000);

  afterAll(async () => {
    await closeProducer();
    await cluster.stop();
  });

  it('ATTACK: a forged StatementIssued schedules a deduction from the wallet', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 99_999, 9_999));
    const run = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    expect(run.status).toBe('SCHEDULED');
    const jobs = await cluster.query(
      `SELECT kind FROM scheduled_job WHERE subject = $1 AND kind = 'DEDUCT'`,
      [statementId],
    );
    expect(jobs).toHaveLength(1);
  });

  it('ATTACK: a forged StatementPaymentReceived cancels the pending deduction', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 40_000, 4_000));
    await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    await publish(
      Topics.statements.name,
      envelope('StatementPaymentReceived', statementId, {
        statementId,
        cardToken: card.token,
        amount: { minor: 40_000, currency: 'CNY' },
        channel: 'COUNTER',
        paymentRef: `forged-${statementId}`,
      }),
    );
    await runUntil(cluster, statementId, status('REPAID_MANUALLY'), 'cancelled by the forgery');
  });
});
