import { moneyColumnsSql } from '@wxpay/persistence';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The risk engine's tables. Decisions and lifecycle facts double as the changelog the velocity windows are
 * rebuilt from after a restart (by event time, hence the occurred_at indexes).
 */
export class CreateRiskTables1732600000000 implements MigrationInterface {
  name = 'CreateRiskTables1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE risk_decision (
        decision_id      uuid PRIMARY KEY,
        attempt_id       text,
        card_token       text NOT NULL,
        payer_id         text NOT NULL,
        device_id        text NOT NULL,
        ip               text NOT NULL,
        merchant_id      text NOT NULL,
        mcc              char(4) NOT NULL,
        scene            text NOT NULL CHECK (scene IN ('ONLINE', 'OFFLINE_QR', 'CROSS_BORDER')),
        ${moneyColumnsSql('amount', { nonNegative: true })},
        amount_cny_minor bigint NOT NULL,
        lat              double precision,
        lon              double precision,
        country          text NOT NULL,
        city             text NOT NULL,
        occurred_at      timestamptz NOT NULL,
        decision         text NOT NULL CHECK (decision IN ('APPROVE', 'REVIEW', 'REJECT')),
        score            smallint NOT NULL,
        reasons          jsonb NOT NULL,
        rule_set_version text NOT NULL,
        evaluated_at     timestamptz NOT NULL,
        recorded_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX risk_decision_occurred ON risk_decision (occurred_at, decision_id)`);
    await q.query(`CREATE INDEX risk_decision_card ON risk_decision (card_token, occurred_at)`);
    await q.query(
      `CREATE INDEX risk_decision_attempt ON risk_decision (attempt_id) WHERE attempt_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE risk_shadow_decision (
        decision_id      uuid PRIMARY KEY REFERENCES risk_decision (decision_id),
        rule_set_version text NOT NULL,
        decision         text NOT NULL CHECK (decision IN ('APPROVE', 'REVIEW', 'REJECT')),
        score            smallint NOT NULL,
        reasons          jsonb NOT NULL,
        differs          boolean NOT NULL
      )`);
    await q.query(
      `CREATE INDEX risk_shadow_decision_version ON risk_shadow_decision (rule_set_version, differs)`,
    );

    await q.query(`
      CREATE TABLE review_case (
        decision_id      uuid PRIMARY KEY REFERENCES risk_decision (decision_id),
        status           text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLAIMED', 'RESOLVED')),
        claimed_by       text,
        lease_expires_at timestamptz,
        label            text CHECK (label IN ('FRAUD', 'LEGIT')),
        note             text,
        resolved_by      text,
        resolved_at      timestamptz,
        created_at       timestamptz NOT NULL,
        CHECK (status <> 'CLAIMED' OR (claimed_by IS NOT NULL AND lease_expires_at IS NOT NULL)),
        CHECK (status <> 'RESOLVED' OR (label IS NOT NULL AND resolved_by IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX review_case_queue ON review_case (status, created_at, decision_id)`);

    await q.query(`
      CREATE TABLE risk_event (
        event_id         uuid PRIMARY KEY,
        event_type       text NOT NULL,
        card_token       text NOT NULL,
        device_id        text NOT NULL,
        ip               text NOT NULL,
        merchant_id      text NOT NULL,
        mcc              text NOT NULL,
        scene            text NOT NULL,
        ${moneyColumnsSql('amount', { nonNegative: true })},
        amount_cny_minor bigint NOT NULL,
        lat              double precision,
        lon              double precision,
        country          text NOT NULL,
        city             text NOT NULL,
        occurred_at      timestamptz NOT NULL,
        recorded_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX risk_event_occurred ON risk_event (occurred_at, event_id)`);

    await q.query(`
      CREATE TABLE card_profile (
        card_token            text PRIMARY KEY,
        known_devices         text[] NOT NULL DEFAULT '{}',
        cross_border_first_at timestamptz,
        updated_at            timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE card_status (
        card_token      text PRIMARY KEY,
        status          text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DELETED')),
        source          text NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE risk_list_entry (
        kind        text NOT NULL CHECK (kind IN ('BLOCK', 'ALLOW')),
        subject     text NOT NULL CHECK (subject IN ('CARD_TOKEN', 'DEVICE', 'IP', 'MERCHANT')),
        value       text NOT NULL,
        reason      text NOT NULL,
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz,
        PRIMARY KEY (kind, subject, value)
      )`);

    await q.query(`
      CREATE TABLE risk_alert (
        alert_id         uuid PRIMARY KEY,
        rule_id          text NOT NULL,
        code             text NOT NULL,
        severity         text NOT NULL,
        card_token       text NOT NULL,
        value            text NOT NULL,
        source_event_id  uuid NOT NULL,
        rule_set_version text NOT NULL,
        occurred_at      timestamptz NOT NULL,
        raised_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX risk_alert_cooldown ON risk_alert (rule_id, card_token, occurred_at)`);

    await q.query(`
      CREATE TABLE token_suspension (
        suspension_id   uuid PRIMARY KEY,
        card_token      text NOT NULL,
        reason          text NOT NULL,
        status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DONE', 'FAILED')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        done_at         timestamptz
      )`);
    await q.query(
      `CREATE INDEX token_suspension_due ON token_suspension (next_attempt_at) WHERE status = 'PENDING'`,
    );

    await q.query(`
      CREATE TABLE risk_rule_set (
        version_label   text PRIMARY KEY,
        sha256          char(64) NOT NULL,
        body            text NOT NULL,
        first_loaded_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'risk_rule_set',
      'token_suspension',
      'risk_alert',
      'risk_list_entry',
      'card_status',
      'card_profile',
      'risk_event',
      'review_case',
      'risk_shadow_decision',
      'risk_decision',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
