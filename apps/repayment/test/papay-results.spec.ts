import { NonRetriableError, type HandlerContext } from '@wxpay/messaging';
import { createLogger } from '@wxpay/observability';
import { papayNotificationHandler } from '../src/consumers/papay-notifications.consumer';
import { type Attempt, type AttemptState } from '../src/domain/runs/run';
import { type PlanRepository } from '../src/persistence/plan.repository';
import { type RunRepository } from '../src/persistence/run.repository';
import { type RunService } from '../src/use-cases/run.service';
import { papayResult } from './support/papay-result';

/**
 * A deduction result on the notifications topic never moves money by itself (anyone who can write the topic could
 * forge it): it brings the attempt's check at WeChat Pay forward, or is refused. The refusals are shown against
 * the real services in repayment-e2e; this is the decision for an attempt still open, which the simulator settles
 * too fast (a few ms) for an end-to-end test to catch.
 */
describe('papay results from the notifications topic', () => {
  const calls: string[] = [];
  const attempt = (state: AttemptState): Attempt => ({
    id: 'a-1',
    statementId: 's-1',
    seq: 1,
    kind: 'PLANNED',
    amount: 80_000,
    currency: 'CNY',
    outTradeNo: 'RPforged',
    state,
    declineClass: null,
    reason: null,
    wechatTransactionId: null,
    jobId: null,
    requestedAt: new Date(),
    finishedAt: null,
  });
  const handlerFor = (state: AttemptState) => {
    const runs = {
      attemptByOutTradeNo: async () => attempt(state),
      attemptById: async () => attempt(state),
      get: async () => ({ statementId: 's-1' }),
    } as unknown as RunRepository;
    const service = {
      confirmAtWechatPay: async () => void calls.push('confirm'),
      attemptSucceeded: async () => void calls.push('succeeded'),
      attemptFailed: async () => void calls.push('failed'),
    } as unknown as RunService;
    return papayNotificationHandler(
      service,
      runs,
      {} as PlanRepository,
      createLogger({ service: 't', level: 'silent' }),
    );
  };
  const result = (tradeState: string, amount?: number) =>
    papayResult('RPforged', tradeState, amount, { notificationId: 'n-1', transactionId: 'tx-1' });
  const ctx = { manager: {} } as HandlerContext;

  beforeEach(() => (calls.length = 0));

  it('asks WeChat Pay about an open attempt instead of applying the success or the failure it was told', async () => {
    await handlerFor('ACCEPTED')(result('SUCCESS', 80_000), ctx);
    await handlerFor('REQUESTED')(result('PAYERROR'), ctx);
    expect(calls).toEqual(['confirm', 'confirm']);
  });

  it('refuses a success without an amount, with another amount, or for a failed attempt; a repeated one changes nothing', async () => {
    await expect(handlerFor('ACCEPTED')(result('SUCCESS'), ctx)).rejects.toThrow(NonRetriableError);
    await expect(handlerFor('ACCEPTED')(result('SUCCESS', 80_001), ctx)).rejects.toThrow('amount differs');
    await expect(handlerFor('FAILED')(result('SUCCESS', 80_000), ctx)).rejects.toThrow(
      'a success for a FAILED attempt',
    );
    await handlerFor('SUCCEEDED')(result('SUCCESS', 80_000), ctx);
    await handlerFor('FAILED')(result('PAYERROR'), ctx);
    expect(calls).toEqual([]);
  });
});
