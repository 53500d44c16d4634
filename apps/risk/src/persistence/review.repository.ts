import { RiskEventTypes, Topics, type RiskReviewResolved } from '@wxpay/contracts';
import { appendToOutbox } from '@wxpay/messaging';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Reason } from '../domain/rules/compiled-rule-set';
import {
  ReviewConflictError,
  type ReviewCase,
  type ReviewLabel,
  type ReviewStatus,
} from '../domain/reviews/review-case';

interface Row {
  decision_id: string;
  status: ReviewStatus;
  card_token: string;
  amount_minor: string;
  amount_currency: string;
  merchant_id: string;
  scene: string;
  score: number;
  reasons: Reason[];
  rule_set_version: string;
  created_at: Date;
  claimed_by: string | null;
  lease_expires_at: Date | null;
  label: ReviewLabel | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  note: string | null;
}

/** A claim whose lease has run out is open again: the status column says CLAIMED, the queue says OPEN. */
const EFFECTIVE_STATUS = `CASE WHEN c.status = 'CLAIMED' AND c.lease_expires_at <= now() THEN 'OPEN' ELSE c.status END`;

const SELECT_CASE = `
  SELECT c.decision_id, ${EFFECTIVE_STATUS} AS status, d.card_token, d.amount_minor, d.amount_currency, d.merchant_id,
    d.scene, d.score, d.reasons, d.rule_set_version, c.created_at,
    CASE WHEN ${EFFECTIVE_STATUS} = 'OPEN' THEN NULL ELSE c.claimed_by END AS claimed_by,
    CASE WHEN ${EFFECTIVE_STATUS} = 'OPEN' THEN NULL ELSE c.lease_expires_at END AS lease_expires_at,
    c.label, c.resolved_by, c.resolved_at, c.note
  FROM review_case c JOIN risk_decision d ON d.decision_id = c.decision_id`;

const toCase = (r: Row): ReviewCase => ({
  decisionId: r.decision_id,
  status: r.status,
  cardToken: r.card_token,
  amountMinor: Number(r.amount_minor),
  currency: r.amount_currency,
  merchantId: r.merchant_id,
  scene: r.scene,
  score: r.score,
  reasons: r.reasons,
  ruleSetVersion: r.rule_set_version,
  createdAt: r.created_at,
  claimedBy: r.claimed_by,
  leaseExpiresAt: r.lease_expires_at,
  label: r.label,
  resolvedBy: r.resolved_by,
  resolvedAt: r.resolved_at,
  note: r.note,
});

export interface ReviewPage {
  cases: ReviewCase[];
  /** Keyset cursor (created_at, decision_id) of the last case, when there may be more. */
  next?: { createdAt: string; decisionId: string };
}

/**
 * The review queue. Claims are single UPDATE statements guarded by the lease, so two reviewers racing for one
 * case cannot both win; a resolution needs the caller to hold an unexpired claim, and publishes
 * RiskReviewResolved (the label feeds backtests) in the same transaction.
 */
export class ReviewRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly decisionsTopic: string = Topics.riskDecisions.name,
  ) {}

  async list(
    status: ReviewStatus,
    limit: number,
    after?: { createdAt: string; decisionId: string },
  ): Promise<ReviewPage> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM (${SELECT_CASE}) q
       WHERE q.status = $1 AND ($2::timestamptz IS NULL OR (q.created_at, q.decision_id) > ($2::timestamptz, $3::uuid))
       ORDER BY q.created_at, q.decision_id LIMIT $4`,
      [status, after?.createdAt ?? null, after?.decisionId ?? null, limit + 1],
    );
    const cases = rows.slice(0, limit).map(toCase);
    const last = cases[cases.length - 1];
    return rows.length > limit && last
      ? { cases, next: { createdAt: last.createdAt.toISOString(), decisionId: last.decisionId } }
      : { cases };
  }

  async get(
    decisionId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ReviewCase | undefined> {
    const rows: Row[] = await manager.query(`${SELECT_CASE} WHERE c.decision_id = $1`, [decisionId]);
    return rows[0] ? toCase(rows[0]) : undefined;
  }

  /** Claims an open case (or renews one's own claim) for `leaseSeconds`. */
  async claim(decisionId: string, reviewer: string, leaseSeconds: number): Promise<ReviewCase> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [updated]: [unknown[], number] = await this.dataSource.query(
      `UPDATE review_case SET status = 'CLAIMED', claimed_by = $2,
         lease_expires_at = now() + ($3::int * interval '1 second')
       WHERE decision_id = $1 AND (status = 'OPEN'
         OR (status = 'CLAIMED' AND (lease_expires_at <= now() OR claimed_by = $2)))
       RETURNING decision_id`,
      [decisionId, reviewer, leaseSeconds],
    );
    const current = await this.get(decisionId);
    if (updated.length > 0 && current) return current;
    throw this.conflict(current, reviewer);
  }

  async resolve(decisionId: string, reviewer: string, label: ReviewLabel, note: string): Promise<ReviewCase> {
    return this.dataSource.transaction(async (m) => {
      const [updated]: [{ card_token: string; resolved_at: Date }[], number] = await m.query(
        `UPDATE review_case c SET status = 'RESOLVED', label = $3, note = $4, resolved_by = $2, resolved_at = now(),
           lease_expires_at = NULL
         FROM risk_decision d
         WHERE c.decision_id = $1 AND d.decision_id = c.decision_id
           AND c.status = 'CLAIMED' AND c.claimed_by = $2 AND c.lease_expires_at > now()
         RETURNING d.card_token, c.resolved_at`,
        [decisionId, reviewer, label, note || null],
      );
      const row = updated[0];
      if (!row) throw this.conflict(await this.get(decisionId, m), reviewer);
      const payload: RiskReviewResolved = {
        decisionId,
        cardToken: row.card_token,
        label,
        reviewer,
        resolvedAt: row.resolved_at.toISOString(),
      };
      await appendToOutbox(m, {
        topic: this.decisionsTopic,
        type: RiskEventTypes.reviewResolved,
        aggregateId: decisionId,
        traceId: decisionId,
        payload,
        occurredAt: row.resolved_at,
      });
      return (await this.get(decisionId, m))!;
    });
  }

  private conflict(current: ReviewCase | undefined, reviewer: string): ReviewConflictError {
    if (!current) return new ReviewConflictError('REVIEW_NOT_FOUND', 'no review case for this decision');
    if (current.status === 'RESOLVED')
      return new ReviewConflictError('ALREADY_RESOLVED', 'the case is resolved');
    if (current.status === 'CLAIMED' && current.claimedBy !== reviewer) {
      return new ReviewConflictError('CLAIMED_BY_OTHER', 'another reviewer holds the claim');
    }
    return new ReviewConflictError('NOT_CLAIMED', 'claim the case first (or again: the lease has expired)');
  }
}
