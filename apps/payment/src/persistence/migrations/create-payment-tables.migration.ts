import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Payments, refunds, their transition history, idempotency records and the webhook inbox. Money is bigint minor
 * units beside a char(3) currency; card data is never stored (the vault token only).
 */
export class CreatePaymentTables1732600000000 implements MigrationInterface {
  name = 'CreatePaymentTables1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment (
        id                     uuid PRIMARY KEY,
        out_trade_no           text NOT NULL UNIQUE CHECK (out_trade_no ~ '^[0-9A-Za-z_|*-]{6,32}$'),
        status                 text NOT NULL,
        version                integer NOT NULL DEFAULT 0,
        card_token             text NOT NULL,
        amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
        currency               char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        merchant_id            text NOT NULL,
        mcc                    text NOT NULL,
        scene                  text NOT NULL,
        trade_type             text NOT NULL CHECK (trade_type IN ('JSAPI', 'NATIVE')),
        description            text NOT NULL,
        payer_openid           text,
        payer_ip               text,
        device_id              text,
        risk_decision          text,
        risk_decision_id       text,
        risk_reasons           jsonb NOT NULL DEFAULT '[]',
        auth_code              text,
        channel_ref            text,
        payer_action           jsonb,
        order_expires_at       timestamptz,
        wechat_transaction_id  text,
        captured_minor         bigint NOT NULL DEFAULT 0 CHECK (captured_minor >= 0),
        refunded_minor         bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
        refund_reserved_minor  bigint NOT NULL DEFAULT 0 CHECK (refund_reserved_minor >= 0),
        failure_code           text,
        failure_message        text,
        failure_reasons        jsonb NOT NULL DEFAULT '[]',
        reversal_reason        text,
        cancel_requested       boolean NOT NULL DEFAULT false,
        lease_owner            text,
        lease_until            timestamptz,
        next_check_at          timestamptz,
        trace_id               text NOT NULL,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        CHECK (refund_reserved_minor <= captured_minor),
        CHECK (refunded_minor <= refund_reserved_minor)
      )`);
    // The janitor's work list: payments not at rest, by when they are due.
    await q.query(`
      CREATE INDEX payment_due ON payment (next_check_at)
        WHERE status NOT IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'REVERSED', 'CANCELLED', 'FAILED',
                             'CAPTURE_FAILED')`);
    await q.query(`CREATE INDEX payment_by_merchant ON payment (merchant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX payment_by_card ON payment (card_token, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX payment_by_time ON payment (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE payment_transition (
        id          bigserial PRIMARY KEY,
        payment_id  uuid NOT NULL REFERENCES payment (id),
        from_status text NOT NULL,
        to_status   text NOT NULL,
        reason      text,
        actor       text NOT NULL,
        at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX payment_transition_by_payment ON payment_transition (payment_id, id)`);

    await q.query(`
      CREATE TABLE refund (
        id                uuid PRIMARY KEY,
        payment_id        uuid NOT NULL REFERENCES payment (id),
        out_refund_no     text NOT NULL UNIQUE CHECK (out_refund_no ~ '^[0-9A-Za-z_|*@-]{1,64}$'),
        status            text NOT NULL,
        version           integer NOT NULL DEFAULT 0,
        amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
        currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        reason            text,
        wechat_refund_id  text,
        failure_code      text,
        lease_owner       text,
        lease_until       timestamptz,
        next_check_at     timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX refund_by_payment ON refund (payment_id, created_at)`);
    await q.query(`
      CREATE INDEX refund_due ON refund (next_check_at)
        WHERE status NOT IN ('REFUND_SUCCEEDED', 'REFUND_FAILED')`);

    // One row per (operation, key): the parameters' fingerprint, the resource it created, and the first answer.
    await q.query(`
      CREATE TABLE idempotency_record (
        operation       text NOT NULL,
        idempotency_key text NOT NULL,
        fingerprint     text NOT NULL,
        resource_id     text,
        response        jsonb,
        lease_until     timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        completed_at    timestamptz,
        PRIMARY KEY (operation, idempotency_key)
      )`);
    await q.query(`CREATE INDEX idempotency_record_age ON idempotency_record (created_at)`);

    // Verified, decrypted notification facts, unique by WeChat's id AND by their business key, so a retry, a
    // concurrent copy or a re-send under a new id is stored once.
    await q.query(`
      CREATE TABLE webhook_inbox (
        seq              bigserial PRIMARY KEY,
        notification_id  text NOT NULL UNIQUE,
        business_key     text NOT NULL UNIQUE,
        endpoint         text NOT NULL,
        event_type       text NOT NULL,
        aggregate_ref    text NOT NULL,
        fact_type        text NOT NULL,
        facts            jsonb NOT NULL,
        status           text NOT NULL DEFAULT 'PENDING'
                         CHECK (status IN ('PENDING', 'APPLIED', 'DUPLICATE', 'FORWARDED', 'REJECTED')),
        outcome          text,
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        received_at      timestamptz NOT NULL DEFAULT now(),
        processed_at     timestamptz
      )`);
    await q.query(
      `CREATE INDEX webhook_inbox_pending ON webhook_inbox (next_attempt_at, seq) WHERE status = 'PENDING'`,
    );
    await q.query(`CREATE INDEX webhook_inbox_by_ref ON webhook_inbox (aggregate_ref, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_inbox`);
    await q.query(`DROP TABLE idempotency_record`);
    await q.query(`DROP TABLE refund`);
    await q.query(`DROP TABLE payment_transition`);
    await q.query(`DROP TABLE payment`);
  }
}
