import {
  AttemptKind,
  Mode,
  PlanStatus,
  RunStatus,
  type Money,
  type Plan as PlanMessage,
  type Run as RunMessage,
} from '@wxpay/contracts';
import { type Plan } from '../domain/plans/plan';
import { type Attempt, type Run } from '../domain/runs/run';

const iso = (d: Date | null) => (d ? d.toISOString() : '');
const money = (minor: number, currency: string): Money => ({ amount_minor: String(minor), currency });

/** A plan as gateway.repayment.v1.Plan (int64 as decimal strings, enums by name). */
export function planView(p: Plan): PlanMessage {
  return {
    plan_id: p.id,
    card_token: p.cardToken,
    contract: {
      wechat_plan_id: p.wechatPlanId,
      out_contract_code: p.outContractCode,
      contract_id: p.contractId,
      payer_openid: p.payerOpenid,
    },
    mode: Mode[p.mode],
    fixed_amount: p.fixedAmountMinor === null ? undefined : money(p.fixedAmountMinor, p.currency),
    days_before_due: p.daysBeforeDue,
    status: PlanStatus[p.status],
    version: String(p.version),
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    status_reason: p.statusReason ?? '',
  };
}

/** A run and its deduction attempts as gateway.repayment.v1.Run. */
export function runView(r: Run, attempts: readonly Attempt[]): RunMessage {
  return {
    statement_id: r.statementId,
    plan_id: r.planId ?? '',
    card_token: r.cardToken,
    amount_due: money(r.amountDue, r.currency),
    minimum_due: money(r.minimumDue, r.currency),
    due_date: r.dueDate,
    status: RunStatus[r.status],
    target: money(r.target, r.currency),
    repaid: money(r.status === 'REPAID' ? r.collected : 0, r.currency),
    notice_at: iso(r.noticeAt),
    deduct_at: iso(r.deductAt),
    status_reason: r.statusReason ?? '',
    posted_at: iso(r.postedAt),
    attempts: attempts.map((a) => ({
      seq: a.seq,
      kind: AttemptKind[a.kind],
      amount: money(a.amount, a.currency),
      out_trade_no: a.outTradeNo,
      state: a.state,
      decline_class: a.declineClass ?? '',
      reason: a.reason ?? '',
      requested_at: iso(a.requestedAt),
      finished_at: iso(a.finishedAt),
      wechat_transaction_id: a.wechatTransactionId ?? '',
    })),
  };
}
