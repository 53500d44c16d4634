import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type RiskSubject } from '../domain/engine/risk-subject';
import { type CardStatus } from '../domain/state/card-statuses';

const iso = (ms: number) => new Date(ms).toISOString();

/** What a chunk of lifecycle events taught a card's profile. */
export interface ProfileChange {
  devices: string[];
  crossBorderAt: number | null;
}

/** A risk alert as stored. */
export interface AlertRow {
  alertId: string;
  ruleId: string;
  code: string;
  severity: string;
  cardToken: string;
  value: string;
  sourceEventId: string;
  ruleSetVersion: string;
  at: number;
}

/**
 * What the lifecycle consumer writes, in its chunk's transaction: the changelog of facts the windows are rebuilt
 * from (risk_event), card profiles and statuses, and alerts. Rows travel as one JSON parameter per statement
 * (jsonb_to_recordset), so a chunk costs one statement per table.
 */
@Injectable()
export class RiskStreamRepository {
  /** Appends facts to the changelog; a fact already there (by event id) is skipped. */
  async insertEvents(m: EntityManager, facts: readonly RiskSubject[], ids: readonly string[]): Promise<void> {
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
  async saveProfiles(m: EntityManager, profiles: ReadonlyMap<string, ProfileChange>): Promise<void> {
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

  /** Card statuses the vault announced, with the event type as source; a DELETED card stays DELETED. */
  async saveStatuses(
    m: EntityManager,
    statuses: ReadonlyMap<string, { status: CardStatus; source: string }>,
  ): Promise<void> {
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

  /** Whether the rule already alerted on the card less than `cooldownMs` before or after `at`. */
  async alertedWithin(
    m: EntityManager,
    ruleId: string,
    cardToken: string,
    at: number,
    cooldownMs: number,
  ): Promise<boolean> {
    const recent: unknown[] = await m.query(
      `SELECT 1 FROM risk_alert WHERE rule_id = $1 AND card_token = $2
           AND occurred_at > $3::timestamptz - ($4::bigint * interval '1 millisecond')
           AND occurred_at < $3::timestamptz + ($4::bigint * interval '1 millisecond') LIMIT 1`,
      [ruleId, cardToken, iso(at), cooldownMs],
    );
    return recent.length > 0;
  }

  async insertAlert(m: EntityManager, a: AlertRow): Promise<void> {
    await m.query(
      `INSERT INTO risk_alert (alert_id, rule_id, code, severity, card_token, value, source_event_id,
         rule_set_version, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        a.alertId,
        a.ruleId,
        a.code,
        a.severity,
        a.cardToken,
        a.value,
        a.sourceEventId,
        a.ruleSetVersion,
        iso(a.at),
      ],
    );
  }
}
