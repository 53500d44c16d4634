import { type CallContext, callerScope, GrpcStatus, RpcError, type UnaryHandler } from '@wxpay/grpc';
import { type DataSource } from 'typeorm';
import { type PlanRepository } from '../persistence/plan.repository';
import { type PlanService } from '../use-cases/plan.service';
import { type RunRepository } from '../persistence/run.repository';
import { type RunService } from '../use-cases/run.service';
import * as f from './request-rules';
import { planView, runView } from './views';

export const AUTO_REPAYMENT_SERVICE = 'gateway.repayment.v1.AutoRepayment';

type Req = Record<string, unknown>;

export interface AutoRepaymentDeps {
  ds: DataSource;
  planService: PlanService;
  runService: RunService;
  plans: PlanRepository;
  runs: RunRepository;
  currency: string;
  defaultDaysBeforeDue: number;
  /** After IngestStatement scheduled something due now. */
  onScheduled: () => void;
}

const callerOf = (ctx: CallContext) => callerScope(ctx.peer);

function pageToken(v: unknown): { dueDate: string; statementId: string } | undefined {
  if (!v) return undefined;
  try {
    const t = JSON.parse(Buffer.from(String(v), 'base64url').toString('utf8')) as {
      d?: unknown;
      s?: unknown;
    };
    if (typeof t.d === 'string' && typeof t.s === 'string')
      return { dueDate: f.isoDate('page_token', t.d), statementId: t.s };
  } catch {
    // falls through to the error
  }
  throw RpcError.invalidArgument('page_token', 'is not a token this service issued');
}

export function autoRepaymentHandlers(d: AutoRepaymentDeps): Record<string, UnaryHandler<Req>> {
  const money = (field: string, v: unknown, required: boolean, allowZero = false) =>
    f.amount(field, v, { currency: d.currency, required, allowZero });
  return {
    CreatePlan: async (req, ctx) => {
      const key = f.idempotencyKey(req.idempotency_key);
      const cardToken = f.token('card_token', req.card_token);
      const contract = (req.contract ?? {}) as Req;
      const mode = f.mode(req.mode, true)!;
      const fixed = money('fixed_amount', req.fixed_amount, mode === 'FIXED');
      if (mode !== 'FIXED' && fixed !== undefined)
        throw RpcError.invalidArgument('fixed_amount', 'only with mode FIXED');
      return d.planService.create(callerOf(ctx), {
        idempotencyKey: key,
        cardToken,
        wechatPlanId: f.identifier('contract.wechat_plan_id', contract.wechat_plan_id),
        outContractCode: f.identifier('contract.out_contract_code', contract.out_contract_code, 32),
        mode,
        fixedAmountMinor: fixed ?? null,
        daysBeforeDue: f.daysBeforeDue(req.days_before_due, d.defaultDaysBeforeDue)!,
      });
    },
    GetPlan: async (req) => {
      const plan = await d.plans.get(d.ds.manager, f.identifier('plan_id', req.plan_id, 64));
      if (!plan)
        throw new RpcError(GrpcStatus.NOT_FOUND, 'plan_id: no such plan', 'plan_id', 'PLAN_NOT_FOUND');
      return planView(plan);
    },
    UpdatePlan: async (req, ctx) => {
      const key = f.idempotencyKey(req.idempotency_key);
      const mode = f.mode(req.mode, false);
      const fixed = money('fixed_amount', req.fixed_amount, false);
      const days = f.daysBeforeDue(req.days_before_due, undefined);
      const expected = Number(req.expected_version ?? 0);
      if (!Number.isSafeInteger(expected) || expected < 0)
        throw RpcError.invalidArgument('expected_version', 'must be ≥ 0');
      return d.planService.update(callerOf(ctx), {
        idempotencyKey: key,
        planId: f.identifier('plan_id', req.plan_id, 64),
        ...(mode ? { mode } : {}),
        ...(fixed !== undefined ? { fixedAmountMinor: fixed } : {}),
        ...(days !== undefined ? { daysBeforeDue: days } : {}),
        ...(expected ? { expectedVersion: expected } : {}),
      });
    },
    PausePlan: async (req, ctx) =>
      d.planService.pause(
        callerOf(ctx),
        f.idempotencyKey(req.idempotency_key),
        f.identifier('plan_id', req.plan_id, 64),
        f.optionalText('reason', req.reason),
      ),
    ResumePlan: async (req, ctx) =>
      d.planService.resume(
        callerOf(ctx),
        f.idempotencyKey(req.idempotency_key),
        f.identifier('plan_id', req.plan_id, 64),
      ),
    CancelPlan: async (req, ctx) =>
      d.planService.cancel(
        callerOf(ctx),
        f.idempotencyKey(req.idempotency_key),
        f.identifier('plan_id', req.plan_id, 64),
        f.optionalText('reason', req.reason),
      ),
    ListRuns: async (req) => {
      const planId = req.plan_id ? f.identifier('plan_id', req.plan_id, 64) : undefined;
      const statementId = req.statement_id ? f.identifier('statement_id', req.statement_id, 64) : undefined;
      if (!planId && !statementId)
        throw RpcError.invalidArgument('plan_id', 'plan_id or statement_id is required');
      const size = Number(req.page_size || 20);
      if (!Number.isInteger(size) || size < 1 || size > 100)
        throw RpcError.invalidArgument('page_size', 'must be 1..100');
      const runs = await d.runs.page(
        d.ds.manager,
        { ...(planId ? { planId } : {}), ...(statementId ? { statementId } : {}) },
        size + 1,
        pageToken(req.page_token),
      );
      const page = runs.slice(0, size);
      const attempts = await d.runs.attempts(
        d.ds.manager,
        page.map((r) => r.statementId),
      );
      const last = page[page.length - 1];
      return {
        runs: page.map((r) =>
          runView(
            r,
            attempts.filter((a) => a.statementId === r.statementId),
          ),
        ),
        next_page_token:
          runs.length > size && last
            ? Buffer.from(JSON.stringify({ d: last.dueDate, s: last.statementId })).toString('base64url')
            : '',
      };
    },
    IngestStatement: async (req) => {
      const statementId = f.identifier('statement_id', req.statement_id, 64);
      const cardToken = f.token('card_token', req.card_token);
      const amountDue = money('amount_due', req.amount_due, true, true)!;
      const minimumDue = money('minimum_due', req.minimum_due, true, true)!;
      if (minimumDue > amountDue) throw RpcError.invalidArgument('minimum_due', 'must not exceed amount_due');
      const dueDate = f.isoDate('due_date', req.due_date);
      const { run } = await d.ds.transaction((m) =>
        d.runService.ingest(m, {
          statementId,
          cardToken,
          currency: d.currency,
          amountDue,
          minimumDue,
          dueDate,
        }),
      );
      // Every fact counts: a re-sent statement whose minimum due (or currency) changed is not the same statement.
      if (
        run.cardToken !== cardToken ||
        run.currency !== d.currency ||
        run.amountDue !== amountDue ||
        run.minimumDue !== minimumDue ||
        run.dueDate !== dueDate
      ) {
        throw new RpcError(
          GrpcStatus.ALREADY_EXISTS,
          'statement_id: known with other facts',
          'statement_id',
          'IDEMPOTENCY_CONFLICT',
        );
      }
      d.onScheduled();
      const attempts = await d.runs.attempts(d.ds.manager, [run.statementId]);
      return runView(run, attempts);
    },
  };
}
