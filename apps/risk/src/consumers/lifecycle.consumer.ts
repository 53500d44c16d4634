import {
  cardLifecyclePayloadSchema,
  CardEventTypes,
  paymentPayloadSchemas,
  RiskEventTypes,
  type EventEnvelope,
  type PaymentEventType,
  type RiskAlertRaised,
} from '@wxpay/contracts';
import { appendToOutbox, NonRetriableError } from '@wxpay/messaging';
import { type Logger } from 'pino';
import { type EntityManager } from 'typeorm';
import { type FxRates } from '../domain/engine/fx-rates';
import { type RiskEngine } from '../domain/engine/risk-engine';
import { type RiskSubject } from '../domain/engine/risk-subject';
import { subjectOfPayment, UnconvertibleAmountError } from '../domain/engine/subjects';
import { type AlertHit } from '../domain/rules/compiled-rule-set';
import { type CardStatus } from '../domain/state/card-statuses';
import { alertIdFor } from '../domain/alerts/alert-id';
import { type BatchHandler, type ChunkTransaction } from '@wxpay/messaging';

/** Vault events that carry a card's status (KeysRotated does not). */
const CARD_STATUS_EVENTS: ReadonlySet<string> = new Set([
  CardEventTypes.tokenized,
  CardEventTypes.suspended,
  CardEventTypes.resumed,
  CardEventTypes.deleted,
]);

/** An event checked and normalised before any transaction. */
export type PreparedEvent =
  | { kind: 'payment'; subject: RiskSubject }
  | { kind: 'card'; token: string; status: CardStatus }
  | { kind: 'ignored' };

export interface LifecycleHandlerOptions {
  engine: RiskEngine;
  fx: FxRates;
  alertsTopic: string;
  logger: Logger;
  /** Called after a transaction that queued a token suspension commits. */
  onSuspensionQueued?: () => void;
  onEvent?: (type: string) => void;
  onAlert?: (code: string, severity: string) => void;
}

interface Alert {
  event: EventEnvelope;
  subject: RiskSubject;
  hit: AlertHit;
  ruleSetVersion: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Applies payments.lifecycle.v1 and cards.lifecycle.v1 events, a chunk per transaction: each fact goes into the
 * in-memory state at once (so the next fact of the chunk, and the monitoring rules, see it) and is taken back if
 * the transaction rolls back; the facts are written to the changelog (risk_event) the windows are rebuilt from,
 * what card profiles learned is upserted, and alerts go to risk_alert and the outbox (with a suspension request
 * for severe ones). A redelivered event is skipped by the inbox; a retried chunk starts again from the same state,
 * so it raises the same alerts with the same ids.
 */
export class LifecycleHandler implements BatchHandler<PreparedEvent> {
  constructor(private readonly opts: LifecycleHandlerOptions) {}

  prepare(event: EventEnvelope): PreparedEvent {
    if (Object.prototype.hasOwnProperty.call(paymentPayloadSchemas, event.type)) {
      const type = event.type as PaymentEventType;
      const parsed = paymentPayloadSchemas[type].safeParse(event.payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
        throw new NonRetriableError(`${type} payload refused: ${issues.join('; ')}`);
      }
      try {
        return {
          kind: 'payment',
          subject: subjectOfPayment(type, parsed.data, Date.parse(event.occurredAt), this.opts.fx),
        };
      } catch (e) {
        if (e instanceof UnconvertibleAmountError) throw new NonRetriableError(e.message);
        throw e;
      }
    }
    if (CARD_STATUS_EVENTS.has(event.type)) {
      const parsed = cardLifecyclePayloadSchema.safeParse(event.payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
        throw new NonRetriableError(`${event.type} payload refused: ${issues.join('; ')}`);
      }
      return { kind: 'card', token: parsed.data.cardToken, status: parsed.data.status };
    }
    return { kind: 'ignored' }; // PaymentCreated, PaymentStatusChanged, KeysRotated…: nothing for risk
  }

  async apply(
    items: readonly { event: EventEnvelope; prepared: PreparedEvent }[],
    tx: ChunkTransaction,
  ): Promise<void> {
    const { engine } = this.opts;
    const facts: RiskSubject[] = [];
    const factIds: string[] = [];
    const profiles = new Map<string, { devices: string[]; crossBorderAt: number | null }>();
    const statuses = new Map<string, { status: CardStatus; source: string }>();
    const alerts: Alert[] = [];

    for (const { event, prepared } of items) {
      this.opts.onEvent?.(event.type);
      if (prepared.kind === 'payment') {
        const s = prepared.subject;
        const seen = engine.observe(s);
        tx.onRollback(seen.undo);
        facts.push(s);
        factIds.push(event.id);
        if (seen.change.newDevice || seen.change.firstCrossBorderAt !== undefined) {
          const p = profiles.get(s.cardToken) ?? { devices: [], crossBorderAt: null };
          if (seen.change.newDevice) p.devices.push(seen.change.newDevice);
          if (seen.change.firstCrossBorderAt !== undefined) p.crossBorderAt = seen.change.firstCrossBorderAt;
          profiles.set(s.cardToken, p);
        }
        for (const hit of seen.hits)
          alerts.push({ event, subject: s, hit, ruleSetVersion: seen.ruleSetVersion });
      } else if (prepared.kind === 'card') {
        const before = engine.state.statuses.status(prepared.token);
        engine.state.statuses.set(prepared.token, prepared.status);
        tx.onRollback(() => engine.state.statuses.revert(prepared.token, before));
        statuses.set(prepared.token, { status: prepared.status, source: event.type });
      }
    }

    const m = tx.manager;
    if (facts.length) await this.insertFacts(m, facts, factIds);
    if (profiles.size) await this.saveProfiles(m, profiles);
    if (statuses.size) await this.saveStatuses(m, statuses);
    let suspension = false;
    const raised = new Map<string, number>(); // cooldowns within this chunk
    for (const alert of alerts) suspension = (await this.raise(m, alert, raised)) || suspension;
    if (suspension && this.opts.onSuspensionQueued) tx.onCommit(this.opts.onSuspensionQueued);
  }

  private async insertFacts(m: EntityManager, facts: RiskSubject[], ids: string[]): Promise<void> {
    const rows = facts.map((s, i) => ({
      event_id: ids[i],
      event_type: s.eventType,
      card_token: s.cardToken,
      device_id: s.deviceId,
      ip: s.ip,
      merchant_id: s.merchantId,
      mcc: s.mcc,
      scene: s.scene,
      amount_minor: s.amountMinor,
      amount_currency: s.currency,
      amount_cny_minor: s.amountCny,
      lat: s.point?.lat ?? null,
      lon: s.point?.lon ?? null,
      country: s.country,
      city: s.city,
      occurred_at: iso(s.at),
    }));
    await m.query(
      `INSERT INTO risk_event (event_id, event_type, card_token, device_id, ip, merchant_id, mcc, scene, amount_minor,
         amount_currency, amount_cny_minor, lat, lon, country, city, occurred_at)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(event_id uuid, event_type text, card_token text,
         device_id text, ip text, merchant_id text, mcc text, scene text, amount_minor bigint, amount_currency char(3),
         amount_cny_minor bigint, lat double precision, lon double precision, country text, city text,
         occurred_at timestamptz)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /** What card profiles learned (new devices, first cross-border use), one row per card, last 16 devices kept. */
  private async saveProfiles(
    m: EntityManager,
    profiles: Map<string, { devices: string[]; crossBorderAt: number | null }>,
  ): Promise<void> {
    const rows = [...profiles].map(([card, p]) => ({
      card_token: card,
      known_devices: p.devices,
      cross_border_first_at: p.crossBorderAt === null ? null : iso(p.crossBorderAt),
    }));
    await m.query(
      `INSERT INTO card_profile AS c (card_token, known_devices, cross_border_first_at)
       SELECT card_token, ARRAY(SELECT jsonb_array_elements_text(known_devices)), cross_border_first_at
       FROM jsonb_to_recordset($1::jsonb) AS r(card_token text, known_devices jsonb, cross_border_first_at timestamptz)
       ON CONFLICT (card_token) DO UPDATE SET
         known_devices = (
           SELECT CASE WHEN cardinality(merged) > 16 THEN merged[cardinality(merged) - 15:] ELSE merged END
           FROM (SELECT c.known_devices || ARRAY(
             SELECT d FROM unnest(EXCLUDED.known_devices) AS d WHERE d <> ALL (c.known_devices)) AS merged) AS t),
         cross_border_first_at = CASE WHEN EXCLUDED.cross_border_first_at IS NULL THEN c.cross_border_first_at
           ELSE LEAST(COALESCE(c.cross_border_first_at, EXCLUDED.cross_border_first_at), EXCLUDED.cross_border_first_at)
         END,
         updated_at = now()`,
      [JSON.stringify(rows)],
    );
  }

  private async saveStatuses(
    m: EntityManager,
    statuses: Map<string, { status: CardStatus; source: string }>,
  ) {
    const rows = [...statuses].map(([card, s]) => ({ card_token: card, status: s.status, source: s.source }));
    await m.query(
      `INSERT INTO card_status AS c (card_token, status, source)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(card_token text, status text, source text)
       ON CONFLICT (card_token) DO UPDATE SET
         status = CASE WHEN c.status = 'DELETED' THEN 'DELETED' ELSE EXCLUDED.status END,
         source = EXCLUDED.source, updated_at = now()`,
      [JSON.stringify(rows)],
    );
  }

  /** Records and publishes one alert unless the rule's cooldown holds it back; true when it queued a suspension. */
  private async raise(m: EntityManager, a: Alert, raised: Map<string, number>): Promise<boolean> {
    const { rule, value } = a.hit;
    const s = a.subject;
    const key = `${rule.id}|${s.cardToken}`;
    if (rule.cooldownMs > 0) {
      const last = raised.get(key);
      if (last !== undefined && Math.abs(s.at - last) < rule.cooldownMs) return false;
      const recent: unknown[] = await m.query(
        `SELECT 1 FROM risk_alert WHERE rule_id = $1 AND card_token = $2
           AND occurred_at > $3::timestamptz - ($4::bigint * interval '1 millisecond')
           AND occurred_at < $3::timestamptz + ($4::bigint * interval '1 millisecond') LIMIT 1`,
        [rule.id, s.cardToken, iso(s.at), rule.cooldownMs],
      );
      if (recent.length > 0) return false;
    }
    raised.set(key, s.at);
    const alertId = alertIdFor(a.event.id, rule.id);
    await m.query(
      `INSERT INTO risk_alert (alert_id, rule_id, code, severity, card_token, value, source_event_id,
         rule_set_version, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        alertId,
        rule.id,
        rule.code,
        rule.severity,
        s.cardToken,
        value,
        a.event.id,
        a.ruleSetVersion,
        iso(s.at),
      ],
    );
    const payload: RiskAlertRaised = {
      alertId,
      code: rule.code,
      ruleId: rule.id,
      severity: rule.severity,
      value,
      cardToken: s.cardToken,
      sourceEventId: a.event.id,
      sourceEventType: a.event.type,
      ruleSetVersion: a.ruleSetVersion,
      suspendToken: rule.suspendToken,
    };
    await appendToOutbox(m, {
      id: alertId,
      topic: this.opts.alertsTopic,
      type: RiskEventTypes.alertRaised,
      aggregateId: s.cardToken,
      traceId: a.event.traceId,
      payload,
      occurredAt: new Date(s.at),
    });
    if (rule.suspendToken) {
      await m.query(
        `INSERT INTO token_suspension (suspension_id, card_token, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [alertId, s.cardToken, `${rule.code}: ${value}`],
      );
    }
    this.opts.onAlert?.(rule.code, rule.severity);
    this.opts.logger.info({ alertId, code: rule.code, severity: rule.severity }, 'risk alert raised');
    return rule.suspendToken;
  }
}
