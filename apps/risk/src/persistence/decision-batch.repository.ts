import { type DataSource } from 'typeorm';
import { envelopeRecord, outboxInsertSql } from '@wxpay/messaging';
import { decisionEnvelope } from '../domain/decisions/decision-events';
import { type DecisionRecord } from '../domain/decisions/decision-record';
import { type DecisionBatchWriter } from './decision-recorder';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One atomic statement per batch: the decisions, their shadow verdicts, review cases for REVIEW decisions, and the
 * RiskDecisionMade outbox rows (with the NOTIFY that wakes the relay). Rows travel as one JSON parameter per table
 * (jsonb_to_recordset), so a batch of hundreds is still one statement.
 */
export class DecisionBatchRepository implements DecisionBatchWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly decisionsTopic: string,
  ) {}

  async write(batch: readonly DecisionRecord[]): Promise<void> {
    const decisions = batch.map((d) => ({
      decision_id: d.decisionId,
      attempt_id: d.attempt.attemptId ?? null,
      card_token: d.attempt.cardToken,
      payer_id: d.attempt.payerId,
      device_id: d.attempt.deviceId,
      ip: d.attempt.ip,
      merchant_id: d.attempt.merchantId,
      mcc: d.attempt.mcc,
      scene: d.attempt.scene,
      amount_minor: d.attempt.amountMinor,
      amount_currency: d.attempt.currency,
      amount_cny_minor: d.subject.amountCny,
      lat: d.subject.point?.lat ?? null,
      lon: d.subject.point?.lon ?? null,
      country: d.subject.country,
      city: d.subject.city,
      occurred_at: iso(d.attempt.at),
      decision: d.live.decision,
      score: d.live.score,
      reasons: d.live.reasons,
      rule_set_version: d.live.ruleSetVersion,
      evaluated_at: iso(d.evaluatedAt),
    }));
    const shadows = batch
      .filter((d) => d.shadow)
      .map((d) => ({
        decision_id: d.decisionId,
        rule_set_version: d.shadow!.ruleSetVersion,
        decision: d.shadow!.decision,
        score: d.shadow!.score,
        reasons: d.shadow!.reasons,
        differs: d.shadow!.decision !== d.live.decision,
      }));
    const reviews = batch
      .filter((d) => d.live.decision === 'REVIEW')
      .map((d) => ({ decision_id: d.decisionId, created_at: iso(d.evaluatedAt) }));

    // One statement: its data-modifying CTEs commit together or not at all, so the batch needs no explicit
    // transaction and costs one round trip instead of BEGIN, three or four INSERTs and COMMIT. Every round trip
    // is a socket write and read on the event loop that answers Evaluate.
    const params: unknown[] = [JSON.stringify(decisions)];
    const ctes = [
      `decisions AS (
         INSERT INTO risk_decision (decision_id, attempt_id, card_token, payer_id, device_id, ip, merchant_id, mcc,
           scene, amount_minor, amount_currency, amount_cny_minor, lat, lon, country, city, occurred_at, decision,
           score, reasons, rule_set_version, evaluated_at)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(decision_id uuid, attempt_id text, card_token text,
           payer_id text, device_id text, ip text, merchant_id text, mcc char(4), scene text, amount_minor bigint,
           amount_currency char(3), amount_cny_minor bigint, lat double precision, lon double precision,
           country text, city text, occurred_at timestamptz, decision text, score smallint, reasons jsonb,
           rule_set_version text, evaluated_at timestamptz))`,
    ];
    if (shadows.length) {
      params.push(JSON.stringify(shadows));
      ctes.push(`shadows AS (
         INSERT INTO risk_shadow_decision (decision_id, rule_set_version, decision, score, reasons, differs)
         SELECT * FROM jsonb_to_recordset($${params.length}::jsonb) AS r(decision_id uuid, rule_set_version text,
           decision text, score smallint, reasons jsonb, differs boolean))`);
    }
    if (reviews.length) {
      params.push(JSON.stringify(reviews));
      ctes.push(`reviews AS (
         INSERT INTO review_case (decision_id, created_at)
         SELECT * FROM jsonb_to_recordset($${params.length}::jsonb) AS r(decision_id uuid, created_at timestamptz))`);
    }
    const events = batch.map((d) => envelopeRecord(this.decisionsTopic, decisionEnvelope(d)));
    ctes.push(`events AS (${outboxInsertSql(events, params)})`);
    await this.dataSource.query(`WITH ${ctes.join(',\n')} SELECT 1`, params);
  }
}
