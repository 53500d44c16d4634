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
import { type ProfileChange, type RiskStreamRepository } from '../persistence/risk-stream.repository';
import { type TokenSuspensionRepository } from '../persistence/token-suspension.repository';
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
  /** Where the facts, profiles, statuses and alerts go. */
  store: RiskStreamRepository;
  /** Where severe alerts queue token suspensions. */
  suspensions: TokenSuspensionRepository;
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

  private get store(): RiskStreamRepository {
    return this.opts.store;
  }

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
    const profiles = new Map<string, ProfileChange>();
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
    if (facts.length) await this.store.insertEvents(m, facts, factIds);
    if (profiles.size) await this.store.saveProfiles(m, profiles);
    if (statuses.size) await this.store.saveStatuses(m, statuses);
    let suspension = false;
    const raised = new Map<string, number>(); // cooldowns within this chunk
    for (const alert of alerts) suspension = (await this.raise(m, alert, raised)) || suspension;
    if (suspension && this.opts.onSuspensionQueued) tx.onCommit(this.opts.onSuspensionQueued);
  }

  /** Records and publishes one alert unless the rule's cooldown holds it back; true when it queued a suspension. */
  private async raise(m: EntityManager, a: Alert, raised: Map<string, number>): Promise<boolean> {
    const { rule, value } = a.hit;
    const s = a.subject;
    const key = `${rule.id}|${s.cardToken}`;
    if (rule.cooldownMs > 0) {
      const last = raised.get(key);
      if (last !== undefined && Math.abs(s.at - last) < rule.cooldownMs) return false;
      if (await this.store.alertedWithin(m, rule.id, s.cardToken, s.at, rule.cooldownMs)) return false;
    }
    raised.set(key, s.at);
    const alertId = alertIdFor(a.event.id, rule.id);
    await this.store.insertAlert(m, {
      alertId,
      ruleId: rule.id,
      code: rule.code,
      severity: rule.severity,
      cardToken: s.cardToken,
      value,
      sourceEventId: a.event.id,
      ruleSetVersion: a.ruleSetVersion,
      at: s.at,
    });
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
    if (rule.suspendToken)
      await this.opts.suspensions.request(m, alertId, s.cardToken, `${rule.code}: ${value}`);
    this.opts.onAlert?.(rule.code, rule.severity);
    this.opts.logger.info({ alertId, code: rule.code, severity: rule.severity }, 'risk alert raised');
    return rule.suspendToken;
  }
}
