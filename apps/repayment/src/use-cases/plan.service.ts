import { GrpcStatus, RpcError } from '@wxpay/grpc';
import { type EntityManager } from 'typeorm';
import { type Clock } from '../persistence/business-clock.repository';
import { emit, planFacts } from './repayment-events';
import { type Idempotency } from '../grpc/idempotency';
import { planView } from '../api/views';
import { PapayRefusedError, PapayUnavailableError, type PapayPort } from '../ports/papay.port';
import { type RunService } from './run.service';
import { type Mode } from '../domain/schedule/schedule-policy';
import { type JobStore } from '../persistence/job-store.repository';
import { type Plan } from '../domain/plans/plan';
import { type PlanRepository } from '../persistence/plan.repository';

export interface CreatePlanInput {
  idempotencyKey: string;
  cardToken: string;
  wechatPlanId: string;
  outContractCode: string;
  mode: Mode;
  fixedAmountMinor: number | null;
  daysBeforeDue: number;
}

export interface UpdatePlanInput {
  idempotencyKey: string;
  planId: string;
  mode?: Mode;
  fixedAmountMinor?: number | null;
  daysBeforeDue?: number;
  expectedVersion?: number;
}

type View = Record<string, unknown>;

const notFound = () =>
  new RpcError(GrpcStatus.NOT_FOUND, 'plan_id: no such plan', 'plan_id', 'PLAN_NOT_FOUND');
const invalidState = (p: Plan, what: string) =>
  new RpcError(
    GrpcStatus.FAILED_PRECONDITION,
    `plan is ${p.status}: cannot ${what}`,
    'plan_id',
    'INVALID_STATE',
  );

function isUniqueViolation(e: unknown): boolean {
  return (
    (e as { code?: string; driverError?: { code?: string } })?.driverError?.code === '23505' ||
    (e as { code?: string })?.code === '23505'
  );
}

/**
 * The AutoRepayment plan operations. The contract is checked with WeChat Pay before anything is stored (its id
 * and payer are learned from WeChat Pay, never taken from the caller); every change is one transaction with its
 * idempotency record and its event. Changes apply to statements issued afterwards; runs already scheduled keep
 * their amounts (the payer was already told the estimate).
 */
export class PlanService {
  constructor(
    private readonly plans: PlanRepository,
    private readonly runService: RunService,
    private readonly jobs: JobStore,
    private readonly papay: PapayPort,
    private readonly idempotency: Idempotency,
    private readonly clock: Clock,
    private readonly currency: string,
  ) {}

  async create(caller: string, input: CreatePlanInput): Promise<View> {
    const { idempotencyKey, ...params } = input;
    const fp = this.idempotency.fingerprint('CreatePlan', params);
    const replay = await this.idempotency.lookup<View>(caller, 'CreatePlan', idempotencyKey, fp);
    if (replay) return replay;
    const contract = await this.contractOf(input.wechatPlanId, input.outContractCode);
    try {
      return await this.idempotency.run(caller, 'CreatePlan', idempotencyKey, fp, async (m) => {
        const plan = await this.plans.insert(m, {
          cardToken: input.cardToken,
          wechatPlanId: input.wechatPlanId,
          outContractCode: input.outContractCode,
          contractId: contract.contractId,
          payerOpenid: contract.openid,
          mode: input.mode,
          fixedAmountMinor: input.mode === 'FIXED' ? input.fixedAmountMinor : null,
          currency: this.currency,
          daysBeforeDue: input.daysBeforeDue,
        });
        await emit(m, 'RepaymentPlanCreated', plan.id, planFacts(plan), this.clock.now());
        return planView(plan);
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new RpcError(
          GrpcStatus.ALREADY_EXISTS,
          'the card or the contract already has a live plan',
          'card_token',
          'PLAN_EXISTS',
        );
      }
      throw e;
    }
  }

  async update(caller: string, input: UpdatePlanInput): Promise<View> {
    const { idempotencyKey, ...params } = input;
    return this.change(caller, 'UpdatePlan', idempotencyKey, params, input.planId, async (m, p) => {
      if (input.expectedVersion && input.expectedVersion !== p.version) {
        throw new RpcError(
          GrpcStatus.ABORTED,
          `expected_version: the plan is at version ${p.version}`,
          'expected_version',
          'VERSION_MISMATCH',
        );
      }
      if (p.status !== 'ACTIVE' && p.status !== 'PAUSED') throw invalidState(p, 'update');
      const mode = input.mode ?? p.mode;
      if (mode !== 'FIXED' && input.fixedAmountMinor !== undefined) {
        throw RpcError.invalidArgument('fixed_amount', 'only with mode FIXED');
      }
      const fixed = mode === 'FIXED' ? (input.fixedAmountMinor ?? p.fixedAmountMinor) : null;
      if (mode === 'FIXED' && !fixed) throw RpcError.invalidArgument('fixed_amount', 'required for FIXED');
      const updated = await this.plans.update(m, p.id, {
        mode,
        fixedAmountMinor: fixed,
        ...(input.daysBeforeDue !== undefined ? { daysBeforeDue: input.daysBeforeDue } : {}),
      });
      await emit(m, 'RepaymentPlanUpdated', p.id, planFacts(updated), this.clock.now());
      return updated;
    });
  }

  async pause(caller: string, key: string, planId: string, reason: string): Promise<View> {
    return this.change(caller, 'PausePlan', key, { planId, reason }, planId, async (m, p) => {
      if (p.status === 'PAUSED') return p;
      if (p.status !== 'ACTIVE') throw invalidState(p, 'pause');
      const paused = await this.plans.update(m, p.id, { status: 'PAUSED', statusReason: reason || 'paused' });
      await this.runService.closeRunsOfPlan(m, paused, 'PLAN_PAUSED');
      await emit(m, 'RepaymentPlanPaused', p.id, planFacts(paused, reason || undefined), this.clock.now());
      return paused;
    });
  }

  async resume(caller: string, key: string, planId: string): Promise<View> {
    return this.change(caller, 'ResumePlan', key, { planId }, planId, async (m, p) => {
      if (p.status === 'ACTIVE') return p;
      if (p.status !== 'PAUSED') throw invalidState(p, 'resume');
      const active = await this.plans.update(m, p.id, { status: 'ACTIVE', statusReason: null });
      await emit(m, 'RepaymentPlanResumed', p.id, planFacts(active), this.clock.now());
      return active;
    });
  }

  /** Ends the plan now and terminates the contract at WeChat Pay through a durable job (retried until done). */
  async cancel(caller: string, key: string, planId: string, reason: string): Promise<View> {
    return this.change(caller, 'CancelPlan', key, { planId, reason }, planId, async (m, p) => {
      if (p.status === 'CANCELLED') return p;
      if (p.status === 'CONTRACT_ENDED') throw invalidState(p, 'cancel');
      const cancelled = await this.plans.update(m, p.id, {
        status: 'CANCELLED',
        statusReason: reason || 'cancelled',
      });
      await this.runService.closeRunsOfPlan(m, cancelled, 'PLAN_CANCELLED');
      await this.jobs.enqueue(m, 'TERMINATE_CONTRACT', p.id, this.clock.now(), {
        remark: reason || '银行取消自动还款',
      });
      await emit(
        m,
        'RepaymentPlanCancelled',
        p.id,
        planFacts(cancelled, reason || undefined),
        this.clock.now(),
      );
      return cancelled;
    });
  }

  private async change(
    caller: string,
    operation: string,
    key: string,
    params: Record<string, unknown>,
    planId: string,
    work: (m: EntityManager, plan: Plan) => Promise<Plan>,
  ): Promise<View> {
    const fp = this.idempotency.fingerprint(operation, params);
    return this.idempotency.run(caller, operation, key, fp, async (m) => {
      const plan = await this.plans.get(m, planId, true);
      if (!plan) throw notFound();
      return planView(await work(m, plan));
    });
  }

  private async contractOf(wechatPlanId: string, outContractCode: string) {
    try {
      const c = await this.papay.queryContract(wechatPlanId, outContractCode);
      if (c.state !== 'SIGNED') {
        throw new RpcError(
          GrpcStatus.FAILED_PRECONDITION,
          `contract is ${c.state}, not SIGNED`,
          'contract',
          'CONTRACT_NOT_SIGNED',
        );
      }
      return c;
    } catch (e) {
      if (e instanceof PapayUnavailableError) {
        throw new RpcError(
          GrpcStatus.UNAVAILABLE,
          'WeChat Pay did not answer; nothing was changed',
          undefined,
          'WECHATPAY_UNAVAILABLE',
        );
      }
      if (e instanceof PapayRefusedError) {
        throw new RpcError(
          GrpcStatus.NOT_FOUND,
          'contract: WeChat Pay knows no such contract',
          'contract',
          'CONTRACT_NOT_FOUND',
        );
      }
      throw e;
    }
  }
}
