import { randomUUID } from 'crypto';
import { returnedRows, type Row } from '@wxpay/persistence';
import { type EntityManager } from 'typeorm';
import { type Plan, type PlanStatus } from '../domain/plans/plan';

const COLUMNS = `id, card_token, wechat_plan_id, out_contract_code, contract_id, payer_openid, mode,
  fixed_amount_minor, currency, days_before_due, status, status_reason, version, created_at, updated_at`;

function toPlan(r: Row): Plan {
  return {
    id: String(r.id),
    cardToken: String(r.card_token),
    wechatPlanId: String(r.wechat_plan_id),
    outContractCode: String(r.out_contract_code),
    contractId: String(r.contract_id),
    payerOpenid: String(r.payer_openid),
    mode: r.mode as Plan['mode'],
    fixedAmountMinor: r.fixed_amount_minor === null ? null : Number(r.fixed_amount_minor),
    currency: String(r.currency),
    daysBeforeDue: Number(r.days_before_due),
    status: r.status as PlanStatus,
    statusReason: r.status_reason === null ? null : String(r.status_reason),
    version: Number(r.version),
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
  };
}

export type NewPlan = Omit<Plan, 'id' | 'status' | 'statusReason' | 'version' | 'createdAt' | 'updatedAt'>;

/** Plans; a unique violation on the live-card / live-contract indexes means the card or contract has one. */
export class PlanRepository {
  async insert(m: EntityManager, p: NewPlan): Promise<Plan> {
    const rows: Row[] = await m.query(
      `INSERT INTO repayment_plan (id, card_token, wechat_plan_id, out_contract_code, contract_id, payer_openid,
         mode, fixed_amount_minor, currency, days_before_due, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ACTIVE') RETURNING ${COLUMNS}`,
      [
        `rpl_${randomUUID().replace(/-/g, '')}`,
        p.cardToken,
        p.wechatPlanId,
        p.outContractCode,
        p.contractId,
        p.payerOpenid,
        p.mode,
        p.fixedAmountMinor,
        p.currency,
        p.daysBeforeDue,
      ],
    );
    return toPlan(rows[0]!);
  }

  async get(m: EntityManager, id: string, lock = false): Promise<Plan | undefined> {
    const rows: Row[] = await m.query(
      `SELECT ${COLUMNS} FROM repayment_plan WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toPlan(rows[0]) : undefined;
  }

  async liveForCard(m: EntityManager, cardToken: string): Promise<Plan | undefined> {
    const rows: Row[] = await m.query(
      `SELECT ${COLUMNS} FROM repayment_plan WHERE card_token = $1 AND status IN ('ACTIVE', 'PAUSED')`,
      [cardToken],
    );
    return rows[0] ? toPlan(rows[0]) : undefined;
  }

  async liveForContract(m: EntityManager, contractId: string): Promise<Plan[]> {
    const rows: Row[] = await m.query(
      `SELECT ${COLUMNS} FROM repayment_plan WHERE contract_id = $1 AND status IN ('ACTIVE', 'PAUSED')
        FOR UPDATE`,
      [contractId],
    );
    return rows.map(toPlan);
  }

  async update(
    m: EntityManager,
    id: string,
    changes: Partial<Pick<Plan, 'mode' | 'fixedAmountMinor' | 'daysBeforeDue' | 'status' | 'statusReason'>>,
  ): Promise<Plan> {
    const result: unknown = await m.query(
      `UPDATE repayment_plan SET
         mode = COALESCE($2, mode),
         fixed_amount_minor = CASE WHEN $3::boolean THEN $4::bigint ELSE fixed_amount_minor END,
         days_before_due = COALESCE($5, days_before_due),
         status = COALESCE($6, status),
         status_reason = CASE WHEN $7::boolean THEN $8 ELSE status_reason END,
         version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        changes.mode ?? null,
        'fixedAmountMinor' in changes,
        changes.fixedAmountMinor ?? null,
        changes.daysBeforeDue ?? null,
        changes.status ?? null,
        'statusReason' in changes,
        changes.statusReason ?? null,
      ],
    );
    return toPlan(returnedRows(result)[0]!);
  }
}
