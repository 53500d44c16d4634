import { type ServiceError } from '@grpc/grpc-js';
import { fieldOf, GrpcStatus, reasonOf } from '@wxpay/grpc';
import { luhnCheckDigit } from '@wxpay/card';
import {
  CancelPlanRequest,
  CreatePlanRequest,
  GetPlanRequest,
  IngestStatementRequest,
  ListRunsRequest,
  Mode,
  type Money,
  PausePlanRequest,
  ResumePlanRequest,
  type Run,
  Topics,
  UpdatePlanRequest,
} from '@wxpay/contracts';
import { eventually, readTopic, type ReadMessage } from '@wxpay/testing';
import { key, RepaymentCluster, type TestCard, type TestContract } from './support/repayment-cluster';
import { dueDateIn, runUntil } from './support/scenario';

jest.setTimeout(120_000);

const cny = (minor: number): Money => ({ amount_minor: String(minor), currency: 'CNY' });
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A Luhn-valid 16-digit number: what a caller could mistakenly send in a token field. */
function cardNumber(): string {
  const body = `622202${String(Date.now()).slice(-9)}`;
  return `${body}${luhnCheckDigit(body)}`;
}

async function rejection(call: Promise<unknown>): Promise<ServiceError> {
  const e = await call.then(
    () => undefined,
    (err: ServiceError) => err,
  );
  if (!e) throw new Error('the call succeeded');
  return e;
}

/** The status and the x-field / x-reason trailers of an error answer. */
function trailers(e: ServiceError): { code: number; field?: string; reason?: string } {
  const field = fieldOf(e);
  const reason = reasonOf(e);
  return {
    code: e.code,
    ...(field !== undefined ? { field } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

const failure = async (call: Promise<unknown>) => trailers(await rejection(call));

/**
 * The AutoRepayment API as a calling service sees it: real mutual-TLS gRPC against the whole cluster (the WeChat
 * Pay simulator checks contracts, the scheduler terminates them). One cluster for the file; every test brings its
 * own cards and contracts. Only the last test moves the business clock.
 */
describe('AutoRepayment API', () => {
  const cluster = new RepaymentCluster();

  beforeAll(async () => {
    await cluster.start();
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
  });

  const contractOf = (c: TestContract) => ({
    wechat_plan_id: c.wechatPlanId,
    out_contract_code: c.outContractCode,
  });

  type PlanRequestPart = Parameters<typeof CreatePlanRequest.fromPartial>[0];

  const createRequest = (card: TestCard, contract: TestContract, extra: PlanRequestPart = {}) =>
    CreatePlanRequest.fromPartial({
      idempotency_key: key(),
      card_token: card.token,
      contract: contractOf(contract),
      mode: Mode.FULL,
      days_before_due: 3,
      ...extra,
    });

  const newPlan = async (extra: PlanRequestPart = {}) => {
    const card = await cluster.seedCard();
    const contract = await cluster.signContract(1_000_000);
    const plan = await cluster.call('createPlan', createRequest(card, contract, extra));
    return { card, contract, plan };
  };

  const getPlan = (planId: string) =>
    cluster.call('getPlan', GetPlanRequest.fromPartial({ plan_id: planId }));

  const ingest = (card: TestCard, dueDate: string, amountDue: number, minimumDue: number, id?: string) =>
    cluster.call(
      'ingestStatement',
      IngestStatementRequest.fromPartial({
        statement_id: id ?? `st-${key().slice(0, 16)}`,
        card_token: card.token,
        amount_due: cny(amountDue),
        minimum_due: cny(minimumDue),
        due_date: dueDate,
      }),
    );

  const runOf = async (statementId: string) =>
    (await cluster.call('listRuns', ListRunsRequest.fromPartial({ statement_id: statementId }))).runs[0]!;

  const plansOfCard = async (card: TestCard) =>
    cluster.query<{ id: string; status: string }>(
      `SELECT id, status FROM repayment_plan WHERE card_token = $1 ORDER BY created_at`,
      [card.token],
    );

  describe('CreatePlan', () => {
    it('refuses bad input with INVALID_ARGUMENT naming the field, and stores nothing', async () => {
      const card = await cluster.seedCard();
      const contract = await cluster.signContract(0);
      const pan = cardNumber();
      const withoutMode = createRequest(card, contract, { mode: Mode.MODE_UNSPECIFIED });
      const cases: [string, CreatePlanRequest, string][] = [
        ['no idempotency key', createRequest(card, contract, { idempotency_key: '' }), 'idempotency_key'],
        [
          'a 129-character key',
          createRequest(card, contract, { idempotency_key: 'k'.repeat(129) }),
          'idempotency_key',
        ],
        [
          'a key with spaces',
          createRequest(card, contract, { idempotency_key: 'my key' }),
          'idempotency_key',
        ],
        [
          'a card number in the key',
          createRequest(card, contract, { idempotency_key: `k-${pan}` }),
          'idempotency_key',
        ],
        ['a card number as card_token', createRequest(card, contract, { card_token: pan }), 'card_token'],
        ['no mode', withoutMode, 'mode'],
        ['FIXED without fixed_amount', createRequest(card, contract, { mode: Mode.FIXED }), 'fixed_amount'],
        [
          'fixed_amount in USD',
          createRequest(card, contract, {
            mode: Mode.FIXED,
            fixed_amount: { amount_minor: '50000', currency: 'USD' },
          }),
          'fixed_amount.currency',
        ],
        ['days_before_due 11', createRequest(card, contract, { days_before_due: 11 }), 'days_before_due'],
      ];
      const keys = cases.map(([, req]) => req.idempotency_key);

      for (const [what, request, field] of cases) {
        const e = await rejection(cluster.call('createPlan', request));
        // The answer never echoes a card number back (it travels into callers' logs and error reports).
        expect([what, trailers(e), e.details.includes(pan)]).toEqual([
          what,
          { code: GrpcStatus.INVALID_ARGUMENT, field, reason: 'INVALID_ARGUMENT' },
          false,
        ]);
      }

      expect(await plansOfCard(card)).toEqual([]);
      const recorded = await cluster.query(
        `SELECT 1 FROM idempotency_record WHERE idempotency_key = ANY($1)`,
        [keys],
      );
      expect(recorded).toEqual([]);
      // The card still takes a plan: the refusals left nothing behind.
      const plan = await cluster.call('createPlan', createRequest(card, contract));
      expect(plan.status).toBe('ACTIVE');
    });

    it('answers NOT_FOUND for a contract WeChat Pay does not know', async () => {
      const card = await cluster.seedCard();
      const unknown: TestContract = {
        wechatPlanId: '12535',
        outContractCode: `Cnone${key().slice(0, 20)}`,
        contractId: '',
        openid: '',
      };
      expect(await failure(cluster.call('createPlan', createRequest(card, unknown)))).toEqual({
        code: GrpcStatus.NOT_FOUND,
        field: 'contract',
        reason: 'CONTRACT_NOT_FOUND',
      });
      expect(await plansOfCard(card)).toEqual([]);
    });

    it('answers FAILED_PRECONDITION for a contract the payer terminated', async () => {
      const card = await cluster.seedCard();
      const contract = await cluster.signContract(0);
      await cluster.revokeContract(contract.contractId);
      expect(await failure(cluster.call('createPlan', createRequest(card, contract)))).toEqual({
        code: GrpcStatus.FAILED_PRECONDITION,
        field: 'contract',
        reason: 'CONTRACT_NOT_SIGNED',
      });
      expect(await plansOfCard(card)).toEqual([]);
    });

    it('refuses a second live plan for the same card or the same contract', async () => {
      const { card, contract, plan } = await newPlan();
      expect(plan).toMatchObject({
        card_token: card.token,
        mode: 'FULL',
        status: 'ACTIVE',
        version: '1',
        days_before_due: 3,
        contract: { contract_id: contract.contractId, payer_openid: contract.openid },
      });
      const otherContract = await cluster.signContract(0);
      expect(await failure(cluster.call('createPlan', createRequest(card, otherContract)))).toEqual({
        code: GrpcStatus.ALREADY_EXISTS,
        field: 'card_token',
        reason: 'PLAN_EXISTS',
      });
      const otherCard = await cluster.seedCard();
      expect(await failure(cluster.call('createPlan', createRequest(otherCard, contract)))).toEqual({
        code: GrpcStatus.ALREADY_EXISTS,
        field: 'card_token',
        reason: 'PLAN_EXISTS',
      });
      expect(await plansOfCard(card)).toEqual([{ id: plan.plan_id, status: 'ACTIVE' }]);
      expect(await plansOfCard(otherCard)).toEqual([]);
    });
  });

  describe('idempotency', () => {
    it('answers the same key and request with the same plan, and refuses the key with another request', async () => {
      const card = await cluster.seedCard();
      const contract = await cluster.signContract(0);
      const request = createRequest(card, contract);
      const first = await cluster.call('createPlan', request);
      const again = await cluster.call('createPlan', request);
      expect(again).toEqual(first);
      expect(await plansOfCard(card)).toEqual([{ id: first.plan_id, status: 'ACTIVE' }]);

      expect(await failure(cluster.call('createPlan', { ...request, mode: Mode.MINIMUM }))).toEqual({
        code: GrpcStatus.ALREADY_EXISTS,
        field: 'idempotency_key',
        reason: 'IDEMPOTENCY_CONFLICT',
      });
      expect(await plansOfCard(card)).toEqual([{ id: first.plan_id, status: 'ACTIVE' }]);
      expect((await getPlan(first.plan_id)).mode).toBe('FULL');
    });

    it('scopes keys per calling service: another certificate may reuse a key', async () => {
      const partner = await cluster.repaymentClientAs('e2e-partner');
      const card = await cluster.seedCard();
      const contract = await cluster.signContract(0);
      const request = createRequest(card, contract);
      const mine = await cluster.call('createPlan', request);

      // The very same request from another caller is not a replay of our answer: it is a new plan (refused).
      expect(await failure(cluster.call('createPlan', request, partner))).toEqual({
        code: GrpcStatus.ALREADY_EXISTS,
        field: 'card_token',
        reason: 'PLAN_EXISTS',
      });
      // The same key with other parameters is no conflict for the other caller either.
      const card2 = await cluster.seedCard();
      const contract2 = await cluster.signContract(0);
      const theirs = await cluster.call(
        'createPlan',
        CreatePlanRequest.fromPartial({
          ...request,
          card_token: card2.token,
          contract: contractOf(contract2),
          mode: Mode.MINIMUM,
        }),
        partner,
      );
      expect(theirs.plan_id).not.toBe(mine.plan_id);
      expect(theirs).toMatchObject({ card_token: card2.token, mode: 'MINIMUM', status: 'ACTIVE' });
      // Each caller replays its own answer.
      expect(await cluster.call('createPlan', request)).toEqual(mine);
      const replayed = await cluster.call(
        'createPlan',
        CreatePlanRequest.fromPartial({
          ...request,
          card_token: card2.token,
          contract: contractOf(contract2),
          mode: Mode.MINIMUM,
        }),
        partner,
      );
      expect(replayed).toEqual(theirs);
      const records = await cluster.query<{ caller: string }>(
        `SELECT caller FROM idempotency_record WHERE idempotency_key = $1 ORDER BY caller`,
        [request.idempotency_key],
      );
      expect(records).toEqual([{ caller: 'cn:e2e-client' }, { caller: 'cn:e2e-partner' }]);
    });
  });

  describe('plan changes', () => {
    it('UpdatePlan changes the mode for later statements and refuses a stale expected_version', async () => {
      const { card, plan } = await newPlan();
      const updated = await cluster.call(
        'updatePlan',
        UpdatePlanRequest.fromPartial({
          idempotency_key: key(),
          plan_id: plan.plan_id,
          mode: Mode.FIXED,
          fixed_amount: cny(50_000),
          expected_version: plan.version,
        }),
      );
      expect(updated).toMatchObject({
        plan_id: plan.plan_id,
        mode: 'FIXED',
        fixed_amount: cny(50_000),
        days_before_due: 3,
        status: 'ACTIVE',
        version: '2',
      });

      expect(
        await failure(
          cluster.call(
            'updatePlan',
            UpdatePlanRequest.fromPartial({
              idempotency_key: key(),
              plan_id: plan.plan_id,
              days_before_due: 5,
              expected_version: plan.version,
            }),
          ),
        ),
      ).toEqual({ code: GrpcStatus.ABORTED, field: 'expected_version', reason: 'VERSION_MISMATCH' });
      expect(await getPlan(plan.plan_id)).toMatchObject({ version: '2', days_before_due: 3, mode: 'FIXED' });

      // A statement after the change repays the fixed amount (between the minimum and the amount due).
      const run = await ingest(card, await dueDateIn(cluster, 40), 100_000, 10_000);
      expect(run).toMatchObject({ status: 'SCHEDULED', plan_id: plan.plan_id, target: cny(50_000) });
    });

    it('PausePlan skips open runs and statements issued while paused; ResumePlan schedules again', async () => {
      const { card, plan } = await newPlan();
      const due = await dueDateIn(cluster, 40);
      const before = await ingest(card, due, 30_000, 3_000);
      expect(before.status).toBe('SCHEDULED');

      const paused = await cluster.call(
        'pausePlan',
        PausePlanRequest.fromPartial({
          idempotency_key: key(),
          plan_id: plan.plan_id,
          reason: 'cardholder abroad',
        }),
      );
      expect(paused).toMatchObject({ status: 'PAUSED', status_reason: 'cardholder abroad', version: '2' });
      expect(await runOf(before.statement_id)).toMatchObject({
        status: 'SKIPPED',
        status_reason: 'PLAN_PAUSED',
      });
      const jobs = await cluster.query<{ kind: string; state: string }>(
        `SELECT kind, state FROM scheduled_job WHERE subject = $1 ORDER BY kind`,
        [before.statement_id],
      );
      expect(jobs).toEqual([
        { kind: 'DEDUCT', state: 'CANCELLED' },
        { kind: 'NOTICE', state: 'CANCELLED' },
      ]);

      const whilePaused = await ingest(card, addDays(due, 1), 40_000, 4_000);
      expect(whilePaused).toMatchObject({
        status: 'SKIPPED',
        status_reason: 'PLAN_PAUSED',
        plan_id: plan.plan_id,
      });

      const resumeKey = key();
      const resumed = await cluster.call(
        'resumePlan',
        ResumePlanRequest.fromPartial({
          idempotency_key: resumeKey,
          plan_id: plan.plan_id,
        }),
      );
      expect(resumed).toMatchObject({ status: 'ACTIVE', status_reason: '', version: '3' });
      expect(
        await cluster.call(
          'resumePlan',
          ResumePlanRequest.fromPartial({ idempotency_key: resumeKey, plan_id: plan.plan_id }),
        ),
      ).toEqual(resumed);
      const after = await ingest(card, addDays(due, 2), 50_000, 5_000);
      expect(after).toMatchObject({ status: 'SCHEDULED', plan_id: plan.plan_id, target: cny(50_000) });
      // Runs skipped while paused stay skipped: resuming applies to statements issued afterwards.
      expect((await runOf(whilePaused.statement_id)).status).toBe('SKIPPED');
    });

    it('CancelPlan ends the plan at once and terminates the contract at WeChat Pay', async () => {
      const { card, contract, plan } = await newPlan();
      const run = await ingest(card, await dueDateIn(cluster, 40), 30_000, 3_000);
      expect(await cluster.contractState(contract)).toBe('SIGNED');

      const cancelKey = key();
      const cancelled = await cluster.call(
        'cancelPlan',
        CancelPlanRequest.fromPartial({
          idempotency_key: cancelKey,
          plan_id: plan.plan_id,
          reason: 'cardholder request',
        }),
      );
      expect(cancelled).toMatchObject({ status: 'CANCELLED', status_reason: 'cardholder request' });
      expect((await getPlan(plan.plan_id)).status).toBe('CANCELLED');
      expect(await runOf(run.statement_id)).toMatchObject({
        status: 'SKIPPED',
        status_reason: 'PLAN_CANCELLED',
      });

      await eventually(
        async () => (await cluster.contractState(contract)) === 'TERMINATED',
        'the contract terminated at WeChat Pay',
        30_000,
      );
      await eventually(
        async () =>
          (
            await cluster.query(
              `SELECT 1 FROM scheduled_job WHERE subject = $1 AND kind = 'TERMINATE_CONTRACT' AND state = 'DONE'`,
              [plan.plan_id],
            )
          ).length === 1,
        'the termination job done',
      );
      // Replaying the call answers the same; the termination is not queued again.
      expect(
        await cluster.call(
          'cancelPlan',
          CancelPlanRequest.fromPartial({
            idempotency_key: cancelKey,
            plan_id: plan.plan_id,
            reason: 'cardholder request',
          }),
        ),
      ).toEqual(cancelled);
      const terminations = await cluster.query(
        `SELECT 1 FROM scheduled_job WHERE subject = $1 AND kind = 'TERMINATE_CONTRACT'`,
        [plan.plan_id],
      );
      expect(terminations).toHaveLength(1);
      // The card is free for a new plan under a new contract.
      const next = await cluster.call('createPlan', createRequest(card, await cluster.signContract(0)));
      expect(next.status).toBe('ACTIVE');

      // WeChat Pay's termination notice comes back through the payment service and Kafka; once the repayment
      // service consumed it, the plan is still CANCELLED (our own cancellation, not an ended contract).
      type Notice = { id: string; payload: { contract?: { contractState?: string } } };
      const notice = (m: ReadMessage): Notice | undefined => {
        try {
          return JSON.parse(m.value ?? '') as Notice;
        } catch {
          return undefined; // another test's malformed message on the shared topic
        }
      };
      const terminated = (m: ReadMessage) =>
        m.key === contract.contractId && notice(m)?.payload?.contract?.contractState === 'TERMINATED';
      const notices = await readTopic(Topics.wechatpayNotifications.name, {
        until: (msgs) => msgs.some(terminated),
      });
      const forwarded = notice(notices.find(terminated)!)!;
      await eventually(
        async () =>
          (await cluster.query(`SELECT 1 FROM inbox_message WHERE message_id = $1`, [forwarded.id])).length >
          0,
        'the termination notice consumed',
        30_000,
      );
      expect(await getPlan(plan.plan_id)).toMatchObject({
        status: 'CANCELLED',
        status_reason: 'cardholder request',
      });
    });

    it('answers NOT_FOUND for an unknown plan', async () => {
      const missing = 'rpl_00000000000000000000000000000000';
      expect(await failure(getPlan(missing))).toEqual({
        code: GrpcStatus.NOT_FOUND,
        field: 'plan_id',
        reason: 'PLAN_NOT_FOUND',
      });
      expect(
        await failure(
          cluster.call(
            'pausePlan',
            PausePlanRequest.fromPartial({ idempotency_key: key(), plan_id: missing }),
          ),
        ),
      ).toEqual({
        code: GrpcStatus.NOT_FOUND,
        field: 'plan_id',
        reason: 'PLAN_NOT_FOUND',
      });
    });
  });

  describe('runs', () => {
    it('ListRuns pages through a plan’s runs by due date without gaps or repeats', async () => {
      const { card, plan } = await newPlan();
      const base = await dueDateIn(cluster, 40);
      // Two statements share each of the first two due dates, so a page boundary falls between equal dates.
      const dues = [base, base, addDays(base, 1), addDays(base, 1), addDays(base, 2)];
      const ingested: Run[] = [];
      for (const [i, due] of dues.entries()) ingested.push(await ingest(card, due, 10_000 + i, 1_000));

      const seen: Run[] = [];
      const sizes: number[] = [];
      let token = '';
      do {
        const page = await cluster.call(
          'listRuns',
          ListRunsRequest.fromPartial({
            plan_id: plan.plan_id,
            page_size: 2,
            page_token: token,
          }),
        );
        sizes.push(page.runs.length);
        seen.push(...page.runs);
        token = page.next_page_token;
      } while (token && sizes.length < 10);
      expect(sizes).toEqual([2, 2, 1]);
      const expected = [...ingested]
        .sort((a, b) =>
          a.due_date === b.due_date
            ? b.statement_id.localeCompare(a.statement_id)
            : b.due_date.localeCompare(a.due_date),
        )
        .map((r) => r.statement_id);
      expect(seen.map((r) => r.statement_id)).toEqual(expected);

      const all = await cluster.call(
        'listRuns',
        ListRunsRequest.fromPartial({
          plan_id: plan.plan_id,
        }),
      );
      expect([all.runs.length, all.next_page_token]).toEqual([5, '']);

      const forged = Buffer.from(JSON.stringify({ d: '2025-02-30', s: 'x' })).toString('base64url');
      for (const page_token of ['not-a-token', forged]) {
        expect(
          await failure(
            cluster.call(
              'listRuns',
              ListRunsRequest.fromPartial({ plan_id: plan.plan_id, page_size: 2, page_token }),
            ),
          ),
        ).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, field: 'page_token', reason: 'INVALID_ARGUMENT' });
      }
      expect(
        await failure(
          cluster.call('listRuns', ListRunsRequest.fromPartial({ plan_id: plan.plan_id, page_size: 101 })),
        ),
      ).toEqual({
        code: GrpcStatus.INVALID_ARGUMENT,
        field: 'page_size',
        reason: 'INVALID_ARGUMENT',
      });
    });

    it('IngestStatement creates a run once per statement id and refuses the id with other facts', async () => {
      const { card, plan } = await newPlan();
      const due = await dueDateIn(cluster, 40);
      const statementId = `st-${key().slice(0, 16)}`;
      const run = await ingest(card, due, 88_800, 8_880, statementId);
      expect(run).toMatchObject({
        statement_id: statementId,
        plan_id: plan.plan_id,
        status: 'SCHEDULED',
        due_date: due,
        target: cny(88_800),
        attempts: [],
      });
      expect(run.notice_at).not.toBe('');
      expect(run.deduct_at).not.toBe('');

      expect(await ingest(card, due, 88_800, 8_880, statementId)).toEqual(run);
      const jobs = await cluster.query<{ kind: string }>(
        `SELECT kind FROM scheduled_job WHERE subject = $1 ORDER BY kind`,
        [statementId],
      );
      expect(jobs.map((j) => j.kind)).toEqual(['DEDUCT', 'NOTICE']);

      const conflict = {
        code: GrpcStatus.ALREADY_EXISTS,
        field: 'statement_id',
        reason: 'IDEMPOTENCY_CONFLICT',
      };
      expect(await failure(ingest(card, due, 99_900, 8_880, statementId))).toEqual(conflict);
      expect(await failure(ingest(card, due, 88_800, 9_990, statementId))).toEqual(conflict);
      expect(await failure(ingest(card, addDays(due, 1), 88_800, 8_880, statementId))).toEqual(conflict);
      expect(await runOf(statementId)).toEqual(run);

      const refusedId = `st-${key().slice(0, 16)}`;
      expect(await failure(ingest(card, due, 1_000, 2_000, refusedId))).toEqual({
        code: GrpcStatus.INVALID_ARGUMENT,
        field: 'minimum_due',
        reason: 'INVALID_ARGUMENT',
      });
      expect(
        await cluster.call('listRuns', ListRunsRequest.fromPartial({ statement_id: refusedId })),
      ).toMatchObject({
        runs: [],
      });
    });
  });

  // Moves the business clock forward (a deduction must be at WeChat Pay), so it is declared (and runs) last.
  describe('with a deduction in flight', () => {
    it('PausePlan leaves a run whose deduction is at WeChat Pay alone', async () => {
      const { card, plan } = await newPlan();
      const inFlight = await ingest(card, await dueDateIn(cluster, 10), 20_000, 2_000);
      const open = await ingest(card, await dueDateIn(cluster, 40), 30_000, 3_000);
      await cluster.setClock(new Date(inFlight.notice_at));
      await runUntil(cluster, inFlight.statement_id, (r) => r.status === 'NOTICE_SENT', 'notice sent');

      // Hold WeChat Pay's result back so the deduction stays in flight while the plan is paused.
      await eventually(
        async () => (await cluster.wechat.deliveries()).pending === 0,
        'no notification pending',
      );
      await cluster.wechat.faults({ notifications: { delayMs: 60_000 } });
      try {
        await cluster.setClock(new Date(inFlight.deduct_at));
        await runUntil(
          cluster,
          inFlight.statement_id,
          (r) => r.attempts[0]?.state === 'ACCEPTED',
          'deduction accepted by WeChat Pay',
        );
        const paused = await cluster.call(
          'pausePlan',
          PausePlanRequest.fromPartial({
            idempotency_key: key(),
            plan_id: plan.plan_id,
          }),
        );
        expect(paused.status).toBe('PAUSED');
        expect(await runOf(open.statement_id)).toMatchObject({
          status: 'SKIPPED',
          status_reason: 'PLAN_PAUSED',
        });
        const stillOpen = await runOf(inFlight.statement_id);
        expect([stillOpen.status, stillOpen.attempts.map((a) => a.state)]).toEqual([
          'DEDUCTING',
          ['ACCEPTED'],
        ]);
      } finally {
        await cluster.wechat.clearFaults();
      }
    });
  });
});
