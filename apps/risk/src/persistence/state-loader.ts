import { type Logger } from 'pino';
import { type DataSource } from 'typeorm';
import {
  type RiskSubject,
  type Scene,
  type SubjectType,
  type DecisionOutcome,
} from '../domain/engine/risk-subject';
import { type RiskState } from '../domain/state/risk-state';
import { HORIZON_MS } from '../domain/state/window-kinds';

interface ChangelogRow {
  id: string;
  event_type: SubjectType;
  card_token: string;
  device_id: string;
  ip: string;
  merchant_id: string;
  mcc: string;
  scene: string;
  payer_id: string;
  amount_minor: string;
  amount_currency: string;
  amount_cny_minor: string;
  lat: number | null;
  lon: number | null;
  country: string;
  city: string;
  occurred_at: Date;
  /** occurred_at as the server prints it: an exact keyset cursor (a JS Date would drop the microseconds). */
  cursor_at: string;
  decision: DecisionOutcome | null;
}

export interface LoadStats {
  statuses: number;
  profiles: number;
  attempts: number;
  facts: number;
  seconds: number;
}

const PAGE = 5000;

function subjectOf(r: ChangelogRow): RiskSubject {
  return {
    eventType: r.event_type,
    cardToken: r.card_token,
    amountMinor: Number(r.amount_minor),
    currency: r.amount_currency,
    amountCny: Number(r.amount_cny_minor),
    merchantId: r.merchant_id,
    mcc: r.mcc,
    scene: r.scene as Scene | '',
    payerId: r.payer_id,
    deviceId: r.device_id,
    ip: r.ip,
    country: r.country,
    city: r.city,
    point: r.lat !== null && r.lon !== null ? { lat: r.lat, lon: r.lon } : null,
    at: r.occurred_at.getTime(),
  };
}

/**
 * Rebuilds the in-memory state at start: card statuses and profiles from their tables, then the last 24 h of
 * attempts (risk_decision) and lifecycle facts (risk_event) replayed by event time into the windows, so every
 * window means after a restart what it meant before. Pages by (occurred_at, id), never one huge result.
 */
export class StateLoader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly state: RiskState,
    private readonly logger: Logger,
  ) {}

  async load(now: number = Date.now()): Promise<LoadStats> {
    const started = process.hrtime.bigint();
    const statuses: { card_token: string; status: 'SUSPENDED' | 'DELETED' }[] = await this.dataSource.query(
      `SELECT card_token, status FROM card_status WHERE status <> 'ACTIVE'`,
    );
    for (const s of statuses) this.state.statuses.set(s.card_token, s.status);

    let profiles = 0;
    for (let after = ''; ;) {
      const rows: { card_token: string; known_devices: string[]; cross_border_first_at: Date | null }[] =
        await this.dataSource.query(
          `SELECT card_token, known_devices, cross_border_first_at FROM card_profile
           WHERE card_token > $1 ORDER BY card_token LIMIT ${PAGE}`,
          [after],
        );
      for (const r of rows) {
        this.state.profiles.restore(
          r.card_token,
          r.known_devices,
          r.cross_border_first_at?.getTime() ?? null,
        );
      }
      profiles += rows.length;
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.card_token;
    }

    const since = new Date(now - HORIZON_MS);
    const attempts = await this.replay(
      `SELECT decision_id AS id, 'Attempt' AS event_type, card_token, device_id, ip, merchant_id, mcc, scene,
         payer_id, amount_minor, amount_currency, amount_cny_minor, lat, lon, country, city, occurred_at, occurred_at::text AS cursor_at, decision
       FROM risk_decision`,
      since,
      (s, r) => {
        this.state.recordAttempt(s);
        this.state.noteOutcome(s, r.decision ?? 'APPROVE');
      },
      'decision_id',
    );
    const facts = await this.replay(
      `SELECT event_id AS id, event_type, card_token, device_id, ip, merchant_id, mcc, scene, '' AS payer_id,
         amount_minor, amount_currency, amount_cny_minor, lat, lon, country, city, occurred_at, occurred_at::text AS cursor_at, NULL AS decision
       FROM risk_event`,
      since,
      (s) => void this.state.applyFact(s),
      'event_id',
    );
    const stats = { statuses: statuses.length, profiles, attempts, facts, seconds: seconds(started) };
    this.logger.info(stats, 'risk state rebuilt from the database');
    return stats;
  }

  private async replay(
    select: string,
    since: Date,
    apply: (s: RiskSubject, r: ChangelogRow) => void,
    idColumn: string,
  ): Promise<number> {
    let count = 0;
    let cursor: { at: string; id: string } = {
      at: since.toISOString(),
      id: '00000000-0000-0000-0000-000000000000',
    };
    for (;;) {
      const rows: ChangelogRow[] = await this.dataSource.query(
        `${select} WHERE (occurred_at, ${idColumn}) > ($1::timestamptz, $2::uuid)
         ORDER BY occurred_at, ${idColumn} LIMIT ${PAGE}`,
        [cursor.at, cursor.id],
      );
      for (const r of rows) apply(subjectOf(r), r);
      count += rows.length;
      if (rows.length < PAGE) return count;
      const last = rows[rows.length - 1]!;
      cursor = { at: last.cursor_at, id: last.id };
    }
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
