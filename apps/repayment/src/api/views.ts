import { type Plan } from '../domain/plans/plan';
import { type Attempt, type Run } from '../domain/runs/run';

const iso = (d: Date | null) => (d ? d.toISOString() : '');
const money = (minor: number, currency: string) => ({ amount_minor: String(minor), currency });

/** Proto-shaped answers (snake_case, int64 as strings, enums by name). */
export function planView(p: Plan): Record<string, unknown> {
  return {
    plan_id: p.id,
    card_token: p.cardToken,
    contract: {
      wechat_plan_id: p.wechatPlanId,
      out_contract_code: p.outContractCode,
      contract_id: p.contractId,
      payer_openid: p.payerOpenid,
    },
    mode: p.mode,
    fixed_amount: p.fixedAmountMinor === null ? null : money(p.fixedAmountMinor, p.currency),
    days_before_due: p.daysBeforeDue,
    status: p.status,
    version: String(p.version),
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    status_reason: p.statusReason ?? '',
  };
}

export function runView(r: Run, attempts: readonly Attempt[]): Record<string, unknown> {
  return {
    statement_id: r.statementId,
    plan_id: r.planId ?? '',
    card_token: r.cardToken,
    amount_due: money(r.amountDue, r.currency),
    minimum_due: money(r.minimumDue, r.currency),
    due_date: r.dueDate,
    status: r.status,
    target: money(r.target, r.currency),
    repaid: money(r.status === 'REPAID' ? r.collected : 0, r.currency),
    notice_at: iso(r.noticeAt),
    deduct_at: iso(r.deductAt),
    status_reason: r.statusReason ?? '',
    posted_at: iso(r.postedAt),
    attempts: attempts.map((a) => ({
      seq: a.seq,
      kind: a.kind,
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
