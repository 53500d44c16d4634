import { type ServiceError } from '@grpc/grpc-js';
import { dlqTopicOf, GetPlanRequest, RetryPostingRequest, RunStatus, Topics } from '@wxpay/contracts';
import { DLQ_HEADERS } from '@wxpay/messaging';
import { eventually, readPublishedEvents, readTopic } from '@wxpay/testing';
import { papayResult } from './support/papay-result';
import { key, RepaymentCluster, type Run } from './support/repayment-cluster';
import {
  closeProducer,
  dueDateIn,
  envelope,
  issue,
  nextDeductAt,
  publish,
  runUntil,
  statementIssued,
  status,
} from './support/scenario';

jest.setTimeout(240_000);

const cst = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+08:00`);
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Automatic repayment end to end: statements in over Kafka, the durable scheduler moved by the controllable
 * clock, papay deductions at the WeChat Pay simulator, their notifications through the payment service's webhook
 * and Kafka, and the credit posted to the card account at the UnionPay simulator over TLS.
 */
describe('automatic repayment end to end', () => {
  const cluster = new RepaymentCluster();

  beforeAll(async () => {
    await cluster.start();
  }, 240_000);

  afterAll(async () => {
    await closeProducer();
    await cluster.stop();
  });

  /** The statement's repayment events as published, once every one of them has left the outbox. */
  async function publishedFor(statementId: string) {
    await eventually(
      async () =>
        (await cluster.query(`SELECT 1 FROM outbox_event WHERE message_key = $1`, [statementId])).length ===
        0,
      'the statement’s events all published',
    );
    return readPublishedEvents(Topics.repaymentsLifecycle.name, statementId);
  }

  /** A card with a plan, a statement of `due` (minimum `minimum`), and business time moved to its notice. */
  async function untilNoticeSent(due: number, minimum: number) {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), due, minimum));
    const run = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    await cluster.setClock(new Date(run.notice_at));
    await runUntil(cluster, statementId, status('NOTICE_SENT'), 'notice sent');
    return { card, contract, statementId, run };
  }

  /** Moves business time through the run's notice to its planned deduction, until that first attempt failed. */
  async function untilFirstAttemptFailed(statementId: string): Promise<{ run: Run; failed: Run }> {
    const run = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    await cluster.setClock(new Date(run.notice_at));
    await runUntil(cluster, statementId, status('NOTICE_SENT'), 'notice sent');
    await cluster.setClock(new Date(run.deduct_at));
    const failed = await runUntil(
      cluster,
      statementId,
      (r) => r.attempts[0]?.state === 'FAILED',
      'first attempt failed',
    );
    return { run, failed };
  }

  it('repays the full amount on the planned day, once, whatever StatementIssued and notifications are re-sent', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    const plan = await cluster.createPlan(card, contract);
    expect(plan.status).toBe('ACTIVE');
    const due = await dueDateIn(cluster, 10);
    const event = statementIssued(card, due, 123_456, 12_345);
    const statementId = await issue(event);
    await publish(Topics.statements.name, event); // the same message again
    await publish(Topics.statements.name, { ...statementIssued(card, due, 123_456, 12_345, statementId) }); // re-sent, new id

    const scheduled = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    expect(new Date(scheduled.notice_at)).toEqual(cst(addDays(due, -5), '10:00'));
    expect(new Date(scheduled.deduct_at)).toEqual(cst(addDays(due, -3), '09:00'));
    const jobs = await cluster.query<{ kind: string }>(`SELECT kind FROM scheduled_job WHERE subject = $1`, [
      statementId,
    ]);
    expect(jobs.map((j) => j.kind).sort()).toEqual(['DEDUCT', 'NOTICE']);

    const accountBefore = await cluster.unionpay.account(card.accountId);
    await cluster.setClock(new Date(scheduled.notice_at));
    await runUntil(cluster, statementId, status('NOTICE_SENT'), 'notice sent');
    const notices = await cluster.wechat.call<{ notices: { estimated_amount: { amount: number } }[] }>(
      'GET',
      `/sim/admin/contracts/${contract.contractId}/notices`,
    );
    expect(notices.body.notices.map((n) => n.estimated_amount.amount)).toEqual([123_456]);

    await cluster.setClock(new Date(scheduled.deduct_at));
    const repaid = await runUntil(cluster, statementId, status('REPAID'), 'repaid');
    expect(repaid.attempts.map((a) => [a.kind, a.state, a.amount?.amount_minor])).toEqual([
      ['PLANNED', 'SUCCEEDED', '123456'],
    ]);
    expect(repaid.repaid?.amount_minor).toBe('123456');
    expect(await cluster.balance(contract.openid)).toBe(1_000_000 - 123_456);
    const accountAfter = await cluster.unionpay.account(card.accountId);
    expect(accountAfter.available.minor - accountBefore.available.minor).toBe(123_456);

    // WeChat Pay's result published again under a new id (a re-sent notification): nothing changes.
    const attempt = repaid.attempts[0]!;
    await publish(
      Topics.wechatpayNotifications.name,
      papayResult(attempt.out_trade_no, 'SUCCESS', 123_456, {
        notificationId: `dup-${statementId}`,
        transactionId: 'dup-tx',
      }),
    );
    await readTopic(Topics.repaymentsLifecycle.name, {
      until: (msgs) => msgs.some((m) => m.key === statementId && m.value?.includes('"RepaymentSucceeded"')),
    });
    await new Promise((r) => setTimeout(r, 1500));
    // What the relay published: the cycle's facts, each once.
    const mine = await publishedFor(statementId);
    expect(mine.map((e) => e.type)).toEqual([
      'RepaymentScheduled',
      'RepaymentNoticeSent',
      'DeductionRequested',
      'RepaymentCollected',
      'RepaymentSucceeded',
    ]);
    const postings = await cluster.query(`SELECT state FROM repayment_posting WHERE statement_id = $1`, [
      statementId,
    ]);
    expect(postings).toEqual([{ state: 'POSTED' }]);
    expect((await cluster.unionpay.account(card.accountId)).available.minor).toBe(
      accountAfter.available.minor,
    );
  });

  it('retries an insufficient balance later that day and succeeds once the payer topped up', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(0);
    await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 80_000, 8_000));
    const { run, failed } = await untilFirstAttemptFailed(statementId);
    expect(failed.status).toBe('DEDUCTING');
    expect(failed.attempts[0]!.decline_class).toBe('INSUFFICIENT_BALANCE');
    const retryAt = await nextDeductAt(cluster, statementId);
    // Four hours after the failure (business time keeps running between the clock moves: a few ms here).
    const delay = retryAt.getTime() - new Date(run.deduct_at).getTime();
    expect(delay).toBeGreaterThanOrEqual(4 * 3600_000);
    expect(delay).toBeLessThan(4 * 3600_000 + 60_000);

    await cluster.setBalance(contract.openid, 100_000);
    await cluster.setClock(retryAt);
    const repaid = await runUntil(cluster, statementId, status('REPAID'), 'repaid on retry');
    expect(repaid.attempts.map((a) => [a.kind, a.state, a.decline_class])).toEqual([
      ['PLANNED', 'FAILED', 'INSUFFICIENT_BALANCE'],
      ['RETRY', 'SUCCEEDED', ''],
    ]);
    expect(await cluster.balance(contract.openid)).toBe(20_000);
  });

  it('refuses forged deduction successes on the notifications topic: nothing is collected or posted, each goes to the DLQ with its reason', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(0);
    await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 80_000, 8_000));
    const { failed } = await untilFirstAttemptFailed(statementId);
    const attempt = failed.attempts[0]!;
    expect(attempt.state).toBe('FAILED');
    const accountBefore = await cluster.unionpay.account(card.accountId);

    // Someone who can write the topic claims WeChat Pay collected the failed deduction: once without an amount,
    // once with the right one.
    await publish(
      Topics.wechatpayNotifications.name,
      papayResult(attempt.out_trade_no, 'SUCCESS', undefined, {
        notificationId: `forged-${statementId}-a`,
        transactionId: `forged-tx-${statementId}-a`,
      }),
    );
    await publish(
      Topics.wechatpayNotifications.name,
      papayResult(attempt.out_trade_no, 'SUCCESS', 80_000, {
        notificationId: `forged-${statementId}-b`,
        transactionId: `forged-tx-${statementId}-b`,
      }),
    );

    const dead = (
      await readTopic(dlqTopicOf(Topics.wechatpayNotifications.name), {
        until: (msgs) => msgs.filter((m) => m.key === attempt.out_trade_no).length >= 2,
      })
    ).filter((m) => m.key === attempt.out_trade_no);
    expect(dead.map((m) => [m.headers[DLQ_HEADERS.reason], m.headers[DLQ_HEADERS.error]])).toEqual([
      ['non-retriable', expect.stringContaining('a success without an amount')],
      ['non-retriable', expect.stringContaining('a success for a FAILED attempt')],
    ]);
    // Both were handled (the second came after the first on the same key): nothing moved.
    const run = await runUntil(cluster, statementId, () => true, 'read');
    expect(run.status).toBe('DEDUCTING');
    expect(run.attempts.map((a) => a.state)).toEqual(['FAILED']);
    expect(
      await cluster.query(`SELECT 1 FROM repayment_posting WHERE statement_id = $1`, [statementId]),
    ).toEqual([]);
    expect((await cluster.unionpay.account(card.accountId)).available.minor).toBe(
      accountBefore.available.minor,
    );
  });

  it("never draws a deduction on the payer's credit card, which WeChat Pay would try after the change", async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000);
    await cluster.bindCreditCard(contract.openid, 1_000_000);
    await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 60_000, 6_000));
    const { failed } = await untilFirstAttemptFailed(statementId);
    expect(failed.attempts[0]!.decline_class).toBe('INSUFFICIENT_BALANCE');
    expect(await cluster.creditAvailable(contract.openid)).toBe(1_000_000);
    expect(await cluster.balance(contract.openid)).toBe(1_000);
  });

  it('falls back to the minimum due before the due date when the full amount keeps failing', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(9_000);
    await cluster.createPlan(card, contract, { days_before_due: 2 });
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 50_000, 5_000));
    const run = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    await cluster.setClock(new Date(run.notice_at));
    await runUntil(cluster, statementId, status('NOTICE_SENT'), 'notice sent');
    const succeeded = (r: Run) => r.attempts.some((a) => a.state === 'SUCCEEDED');
    let current = run;
    for (let i = 0; i < 8 && !succeeded(current); i++) {
      await cluster.setClock(i === 0 ? new Date(run.deduct_at) : await nextDeductAt(cluster, statementId));
      const seen = current.attempts.length;
      current = await runUntil(
        cluster,
        statementId,
        (r) =>
          r.attempts.length > seen &&
          r.attempts.every((a) => a.state === 'FAILED' || a.state === 'SUCCEEDED'),
        `attempt ${i + 1} settled`,
      );
    }
    current = await runUntil(cluster, statementId, status('REPAID'), 'repaid');
    expect(current.status).toBe('REPAID');
    const last = current.attempts[current.attempts.length - 1]!;
    expect([last.kind, last.amount?.amount_minor, last.state]).toEqual([
      'FALLBACK_MINIMUM',
      '5000',
      'SUCCEEDED',
    ]);
    expect(current.attempts.slice(0, -1).every((a) => a.decline_class === 'INSUFFICIENT_BALANCE')).toBe(true);
    expect(current.repaid?.amount_minor).toBe('5000');
    expect(await cluster.balance(contract.openid)).toBe(4_000);
  });

  it('stops and tells the cardholder when the payer revokes the contract', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    const plan = await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 30_000, 3_000));
    const run = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    await cluster.setClock(new Date(run.notice_at));
    await runUntil(cluster, statementId, status('NOTICE_SENT'), 'notice sent');

    await cluster.revokeContract(contract.contractId);
    const failed = await runUntil(cluster, statementId, status('FAILED'), 'failed');
    expect(failed.status_reason).toBe('CONTRACT_ENDED');
    expect(failed.attempts).toEqual([]);
    const after = await cluster.call('getPlan', GetPlanRequest.fromPartial({ plan_id: plan.plan_id }));
    expect(after.status).toBe('CONTRACT_ENDED');
    await cluster.setClock(new Date(run.deduct_at));
    await new Promise((r) => setTimeout(r, 1000));
    expect((await cluster.run(statementId)).attempts).toEqual([]);
    const failedEvents = (await publishedFor(statementId)).filter((e) => e.type === 'RepaymentFailed');
    expect(failedEvents).toHaveLength(1);
    expect(failedEvents[0]!.payload).toMatchObject({ reason: 'CONTRACT_ENDED', notifyCardholder: true });
  });

  it('moves a notice that falls outside 07:00–22:00 into the window', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    await cluster.createPlan(card, contract);
    const today = await dueDateIn(cluster, 1);
    await cluster.setClock(cst(today, '23:30'));
    const due = addDays(today, 3);
    const statementId = await issue(statementIssued(card, due, 10_000, 1_000));
    const run = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    expect(new Date(run.notice_at)).toEqual(cst(addDays(today, 1), '07:00'));
    await cluster.setClock(cst(addDays(today, 1), '06:59'));
    await new Promise((r) => setTimeout(r, 800));
    expect((await cluster.run(statementId)).status).toBe('SCHEDULED');
    await cluster.setClock(cst(addDays(today, 1), '07:00'));
    await runUntil(cluster, statementId, status('NOTICE_SENT'), 'notice sent at 07:00');
    await cluster.setClock(new Date(run.deduct_at));
    await runUntil(cluster, statementId, status('REPAID'), 'repaid');
  });

  it('cancels the pending deduction when a manual repayment arrives first', async () => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    await cluster.createPlan(card, contract);
    const statementId = await issue(statementIssued(card, await dueDateIn(cluster, 10), 40_000, 4_000));
    const run = await runUntil(cluster, statementId, status('SCHEDULED'), 'scheduled');
    await cluster.setClock(new Date(run.notice_at));
    await runUntil(cluster, statementId, status('NOTICE_SENT'), 'notice sent');
    await publish(
      Topics.statements.name,
      envelope('StatementPaymentReceived', statementId, {
        statementId,
        cardToken: card.token,
        amount: { minor: 40_000, currency: 'CNY' },
        channel: 'COUNTER',
        paymentRef: `manual-${statementId}`,
      }),
    );
    await runUntil(cluster, statementId, status('REPAID_MANUALLY'), 'repaid manually');
    await cluster.setClock(new Date(run.deduct_at));
    await new Promise((r) => setTimeout(r, 1000));
    const after = await cluster.run(statementId);
    expect(after.status).toBe('REPAID_MANUALLY');
    expect(after.attempts).toEqual([]);
    expect(await cluster.balance(contract.openid)).toBe(1_000_000);
  });

  it('repays a cycle exactly once when the service is killed between the deduction and the posting', async () => {
    const { card, contract, statementId, run } = await untilNoticeSent(66_600, 6_660);
    const before = await cluster.unionpay.account(card.accountId);

    // The switch applies the credit but never answers: the posting is in flight when the service dies.
    await cluster.unionpay.fault({ kind: 'no-answer', mtis: ['0200'] });
    await cluster.setClock(new Date(run.deduct_at));
    await runUntil(cluster, statementId, status('COLLECTED'), 'collected', 30_000);
    await eventually(
      async () =>
        (
          await cluster.query(
            `SELECT 1 FROM scheduled_job WHERE subject = $1 AND kind = 'POST' AND state = 'RUNNING'`,
            [statementId],
          )
        ).length > 0,
      'posting in flight',
    );
    await cluster.repayment.kill();
    await cluster.unionpay.clearFaults();
    await cluster.repayment.restart();

    const repaid = await runUntil(
      cluster,
      statementId,
      status('REPAID'),
      'repaid after the restart',
      120_000,
    );
    expect(repaid.attempts.map((a) => a.state)).toEqual(['SUCCEEDED']);
    expect(await cluster.balance(contract.openid)).toBe(1_000_000 - 66_600);
    // One credit on the card account, net of the reversal of the unanswered one.
    await eventually(
      async () =>
        (await cluster.unionpay.account(card.accountId)).available.minor - before.available.minor === 66_600,
      'exactly one credit on the card account',
      60_000,
    );
  });

  it('posts a refused repayment again when an operator retries it, crediting the card account once', async () => {
    const { card, statementId, run } = await untilNoticeSent(77_700, 7_770);
    const before = await cluster.unionpay.account(card.accountId);

    // The card system refuses the credit (57: transaction not permitted to the cardholder).
    await cluster.unionpay.fault({ kind: 'decline', mtis: ['0200'], responseCode: '57' });
    await cluster.setClock(new Date(run.deduct_at));
    const stuck = await runUntil(cluster, statementId, status('POSTING_FAILED'), 'posting refused');
    expect(stuck.status_reason).toContain('57');
    expect((await cluster.unionpay.account(card.accountId)).available.minor).toBe(before.available.minor);
    await cluster.unionpay.clearFaults();

    const request = RetryPostingRequest.fromPartial({
      idempotency_key: key(),
      statement_id: statementId,
      operator: 'ops.alice',
      reason: 'card system fixed the account',
    });
    const queued = await cluster.call('retryPosting', request);
    expect(queued.status).toBe(RunStatus.COLLECTED);
    expect(queued.status_reason).toBe('posting retried by ops.alice: card system fixed the account');
    expect(await cluster.call('retryPosting', request)).toEqual(queued); // the same call answers the same
    await runUntil(cluster, statementId, status('REPAID'), 'repaid after the retry');
    await eventually(
      async () =>
        (await cluster.unionpay.account(card.accountId)).available.minor - before.available.minor === 77_700,
      'the credit on the card account',
    );

    // Nothing left to retry: another call is refused and changes nothing; the credit stays single.
    const refused = await cluster.call('retryPosting', { ...request, idempotency_key: key() }).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    expect(refused?.metadata.get('x-reason')).toEqual(['INVALID_STATE']);
    const events = await publishedFor(statementId);
    expect(events.map((e) => e.type).slice(-3)).toEqual([
      'RepaymentPostingFailed',
      'RepaymentPostingRetried',
      'RepaymentSucceeded',
    ]);
    expect((await cluster.unionpay.account(card.accountId)).available.minor - before.available.minor).toBe(
      77_700,
    );
  });
});
