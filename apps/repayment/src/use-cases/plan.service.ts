import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  Mode as ModeMessage,
  type CancelPlanRequest,
  type CreatePlanRequest,
  type Money,
  type PausePlanRequest,
  type Plan as PlanMessage,
  type ResumePlanRequest,
  type UpdatePlanRequest,
} from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { IdempotencyStore } from '@wxpay/persistence';
import { DATA_SOURCE } from '@wxpay/runtime';
import { type DataSource, type EntityManager } from 'typeorm';
import { planView } from '../api/views';
import { CLOCK, type Clock } from '../domain/clock';
import { type Plan } from '../domain/plans/plan';
import { type Mode } from '../domain/schedule/schedule-policy';
import {
  contractNotFound,
  contractNotSigned,
  invalidState,
  planExists,
  planNotFound,
  versionMismatch,
  wechatPayUnavailable,
} from '../errors';
import { JobStore } from '../persistence/job-store.repository';
import { PlanRepository } from '../persistence/plan.repository';
import { PAPAY_PORT, PapayRefusedError, PapayUnavailableError, type PapayPort } from '../ports/papay.port';
import { CURRENCY, REPAYMENT_OPTIONS, type RepaymentRunOptions } from '../repayment-options';
import { RunService } from './run.service';
import { emit, planFacts } from './repayment-events';

function isUniqueViolation(e: unknown): boolean {
  return (
    (e as { code?: string; driverError?: { code?: string } })?.driverError?.code === '23505' ||
    (e as { code?: string })?.code === '23505'
  );
}

/** A mode the request named (the rules refused the others); undefined for MODE_UNSPECIFIED. */
const modeOf = (mode: ModeMessage): Mode | undefined =>
  mode === ModeMessage.MODE_UNSPECIFIED ? undefined : (mode as Mode);

const minorOf = (m: Money | undefined): number | undefined => (m ? Number(m.amount_minor) : undefined);

/**
 * The AutoRepayment plan operations. The contract is checked with WeChat Pay before anything is stored (its id
 * and payer are learned from WeChat Pay, never taken from the caller); every change is one transaction with its
 * idempotency record (the shared IdempotencyStore, `once`) and its event. Changes apply to statements issued
 * afterwards; runs already scheduled keep their amounts (the payer was already told the estimate).
 */
@Injectable()
export class PlanService {
  private readonly defaultDaysBeforeDue: number;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly plans: PlanRepository,
    private readonly runService: RunService,
    private readonly jobs: JobStore,
    @Inject(PAPAY_PORT) private readonly papay: PapayPort,
    private readonly idempotency: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REPAYMENT_OPTIONS) options: RepaymentRunOptions,
  ) {
    this.defaultDaysBeforeDue = options.config.REPAYMENT_DEFAULT_DAYS_BEFORE_DUE;
  }

  async get(planId: string): Promise<PlanMessage> {
    const plan = await this.plans.get(this.ds.manager, planId);
    if (!plan) throw planNotFound();
    return planView(plan);
  }

  async create(r: CreatePlanRequest, idempotency: IdempotentRequest): Promise<PlanMessage> {
    const mode = modeOf(r.mode)!;
    const fixed = minorOf(r.fixed_amount);
    if (mode === 'FIXED' && fixed === undefined)
      throw DomainError.invalid('fixed_amount', 'required for FIXED');
    if (mode !== 'FIXED' && fixed !== undefined)
      throw DomainError.invalid('fixed_amount', 'only with mode FIXED');
    const { wechat_plan_id: wechatPlanId, out_contract_code: outContractCode } = r.contract!;
    const contract = await this.contractOf(wechatPlanId, outContractCode);
    try {
      const { value } = await this.idempotency.once(this.ds, idempotency, async (m) => {
        const plan = await this.plans.insert(m, {
          cardToken: r.card_token,
          wechatPlanId,
          outContractCode,
          contractId: contract.contractId,
          payerOpenid: contract.openid,
          mode,
          fixedAmountMinor: mode === 'FIXED' ? fixed! : null,
          currency: CURRENCY,
          daysBeforeDue: r.days_before_due || this.defaultDaysBeforeDue,
        });
        await emit(m, 'RepaymentPlanCreated', plan.id, planFacts(plan), this.clock.now());
        return { value: planView(plan) };
      });
      return value;
    } catch (e) {
      if (isUniqueViolation(e)) throw planExists();
      throw e;
    }
  }

  async update(r: UpdatePlanRequest, idempotency: IdempotentRequest): Promise<PlanMessage> {
    const expected = Number(r.expected_version);
    const fixedGiven = minorOf(r.fixed_amount);
    return this.change(idempotency, r.plan_id, async (m, p) => {
      if (expected && expected !== p.version) throw versionMismatch(p.version);
      if (p.status !== 'ACTIVE' && p.status !== 'PAUSED') throw invalidState(p.status, 'update');
      const mode = modeOf(r.mode) ?? p.mode;
      if (mode !== 'FIXED' && fixedGiven !== undefined) {
        throw DomainError.invalid('fixed_amount', 'only with mode FIXED');
      }
      const fixed = mode === 'FIXED' ? (fixedGiven ?? p.fixedAmountMinor) : null;
      if (mode === 'FIXED' && !fixed) throw DomainError.invalid('fixed_amount', 'required for FIXED');
      const updated = await this.plans.update(m, p.id, {
        mode,
        fixedAmountMinor: fixed,
        ...(r.days_before_due ? { daysBeforeDue: r.days_before_due } : {}),
      });
      await emit(m, 'RepaymentPlanUpdated', p.id, planFacts(updated), this.clock.now());
      return updated;
    });
  }

  async pause(r: PausePlanRequest, idempotency: IdempotentRequest): Promise<PlanMessage> {
    return this.change(idempotency, r.plan_id, async (m, p) => {
      if (p.status === 'PAUSED') return p;
      if (p.status !== 'ACTIVE') throw invalidState(p.status, 'pause');
      const paused = await this.plans.update(m, p.id, {
        status: 'PAUSED',
        statusReason: r.reason || 'paused',
      });
      await this.runService.closeRunsOfPlan(m, paused, 'PLAN_PAUSED');
      await emit(m, 'RepaymentPlanPaused', p.id, planFacts(paused, r.reason || undefined), this.clock.now());
      return paused;
    });
  }

  async resume(r: ResumePlanRequest, idempotency: IdempotentRequest): Promise<PlanMessage> {
    return this.change(idempotency, r.plan_id, async (m, p) => {
      if (p.status === 'ACTIVE') return p;
      if (p.status !== 'PAUSED') throw invalidState(p.status, 'resume');
      const active = await this.plans.update(m, p.id, { status: 'ACTIVE', statusReason: null });
      await emit(m, 'RepaymentPlanResumed', p.id, planFacts(active), this.clock.now());
      return active;
    });
  }

  /** Ends the plan now and terminates the contract at WeChat Pay through a durable job (retried until done). */
  async cancel(r: CancelPlanRequest, idempotency: IdempotentRequest): Promise<PlanMessage> {
    const reason = r.reason;
    return this.change(idempotency, r.plan_id, async (m, p) => {
      if (p.status === 'CANCELLED') return p;
      if (p.status === 'CONTRACT_ENDED') throw invalidState(p.status, 'cancel');
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
    idempotency: IdempotentRequest,
    planId: string,
    work: (m: EntityManager, plan: Plan) => Promise<Plan>,
  ): Promise<PlanMessage> {
    const { value } = await this.idempotency.once(this.ds, idempotency, async (m) => {
      const plan = await this.plans.get(m, planId, true);
      if (!plan) throw planNotFound();
      return { value: planView(await work(m, plan)) };
    });
    return value;
  }

  private async contractOf(wechatPlanId: string, outContractCode: string) {
    try {
      const c = await this.papay.queryContract(wechatPlanId, outContractCode);
      if (c.state !== 'SIGNED') throw contractNotSigned(c.state);
      return c;
    } catch (e) {
      if (e instanceof PapayUnavailableError) throw wechatPayUnavailable();
      if (e instanceof PapayRefusedError) throw contractNotFound();
      throw e;
    }
  }
}
