import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The repayment service's tables. Invariants the database itself keeps: one live plan per card and per contract,
 * at most one deduction in flight and at most one successful deduction per statement cycle, one posting per cycle.
 * `run_at` of a job is business time (the injectable clock); `lease_until` is real time (the database's now()).
 */
export class CreateRepaymentTables1732800000000 implements MigrationInterface {
  name = 'CreateRepaymentTables1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repayment_plan (
        id                 text PRIMARY KEY,
        card_token         text NOT NULL,
        wechat_plan_id     text NOT NULL,
        out_contract_code  text NOT NULL,
        contract_id        text NOT NULL,
        payer_openid       text NOT NULL,
        mode               text NOT NULL CHECK (mode IN ('FULL', 'MINIMUM', 'FIXED')),
        fixed_amount_minor bigint CHECK (fixed_amount_minor IS NULL OR fixed_amount_minor > 0),
        currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        days_before_due    integer NOT NULL CHECK (days_before_due BETWEEN 0 AND 10),
        status             text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'CANCELLED', 'CONTRACT_ENDED')),
        status_reason      text,
        version            bigint NOT NULL DEFAULT 1,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        CHECK ((mode = 'FIXED') = (fixed_amount_minor IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX repayment_plan_live_card ON repayment_plan (card_token)
                     WHERE status IN ('ACTIVE', 'PAUSED')`);
    await q.query(`CREATE UNIQUE INDEX repayment_plan_live_contract ON repayment_plan (contract_id)
                     WHERE status IN ('ACTIVE', 'PAUSED')`);
    await q.query(`CREATE INDEX repayment_plan_contract ON repayment_plan (contract_id)`);

    await q.query(`
      CREATE TABLE repayment_run (
        statement_id       text PRIMARY KEY,
        plan_id            text REFERENCES repayment_plan (id),
        card_token         text NOT NULL,
        currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        amount_due_minor   bigint NOT NULL CHECK (amount_due_minor >= 0),
        minimum_due_minor  bigint NOT NULL CHECK (minimum_due_minor >= 0),
        due_date           date NOT NULL,
        status             text NOT NULL CHECK (status IN ('SCHEDULED', 'NOTICE_SENT', 'DEDUCTING', 'COLLECTED',
                             'REPAID', 'REPAID_MANUALLY', 'FAILED', 'SKIPPED', 'POSTING_FAILED')),
        status_reason      text,
        target_minor       bigint NOT NULL DEFAULT 0 CHECK (target_minor >= 0),
        manual_paid_minor  bigint NOT NULL DEFAULT 0 CHECK (manual_paid_minor >= 0),
        collected_minor    bigint NOT NULL DEFAULT 0 CHECK (collected_minor >= 0),
        fallback           boolean NOT NULL DEFAULT false,
        notice_at          timestamptz,
        deduct_at          timestamptz,
        deduct_days        integer,
        last_chance_at     timestamptz,
        cutoff_at          timestamptz,
        notice_sent_at     timestamptz,
        posted_at          timestamptz,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        CHECK (minimum_due_minor <= amount_due_minor)
      )`);
    await q.query(`CREATE INDEX repayment_run_plan ON repayment_run (plan_id, due_date DESC, statement_id)`);
    await q.query(`CREATE INDEX repayment_run_card ON repayment_run (card_token)`);

    await q.query(`
      CREATE TABLE deduction_attempt (
        id                     bigserial PRIMARY KEY,
        statement_id           text NOT NULL REFERENCES repayment_run (statement_id),
        seq                    integer NOT NULL CHECK (seq >= 1),
        kind                   text NOT NULL CHECK (kind IN ('PLANNED', 'RETRY', 'FALLBACK_MINIMUM')),
        amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
        currency               char(3) NOT NULL,
        out_trade_no           text NOT NULL UNIQUE,
        state                  text NOT NULL CHECK (state IN ('REQUESTED', 'ACCEPTED', 'SUCCEEDED', 'FAILED')),
        decline_class          text,
        reason                 text,
        wechat_transaction_id  text,
        job_id                 bigint,
        requested_at           timestamptz NOT NULL,
        finished_at            timestamptz,
        UNIQUE (statement_id, seq)
      )`);
    await q.query(`CREATE UNIQUE INDEX deduction_attempt_one_open ON deduction_attempt (statement_id)
                     WHERE state IN ('REQUESTED', 'ACCEPTED')`);
    await q.query(`CREATE UNIQUE INDEX deduction_attempt_one_success ON deduction_attempt (statement_id)
                     WHERE state = 'SUCCEEDED'`);
    await q.query(`CREATE INDEX deduction_attempt_job ON deduction_attempt (job_id)`);

    await q.query(`
      CREATE TABLE repayment_posting (
        statement_id   text PRIMARY KEY REFERENCES repayment_run (statement_id),
        attempt_id     bigint NOT NULL UNIQUE REFERENCES deduction_attempt (id),
        amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
        currency       char(3) NOT NULL,
        state          text NOT NULL CHECK (state IN ('PENDING', 'POSTED', 'FAILED')),
        response_code  text,
        rrn            text,
        request_id     text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        posted_at      timestamptz
      )`);

    await q.query(`
      CREATE TABLE manual_repayment (
        payment_ref    text PRIMARY KEY,
        statement_id   text NOT NULL,
        amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
        currency       char(3) NOT NULL,
        channel        text NOT NULL,
        received_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX manual_repayment_statement ON manual_repayment (statement_id)`);

    await q.query(`
      CREATE TABLE scheduled_job (
        id           bigserial PRIMARY KEY,
        kind         text NOT NULL,
        subject      text NOT NULL,
        run_at       timestamptz NOT NULL,
        priority     smallint NOT NULL,
        state        text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'RUNNING', 'DONE', 'CANCELLED')),
        payload      jsonb NOT NULL DEFAULT '{}',
        tries        integer NOT NULL DEFAULT 0,
        lease_until  timestamptz,
        last_error   text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz
      )`);
    await q.query(
      `CREATE INDEX scheduled_job_due ON scheduled_job (priority, run_at) WHERE state = 'PENDING'`,
    );
    await q.query(`CREATE INDEX scheduled_job_leased ON scheduled_job (lease_until) WHERE state = 'RUNNING'`);
    await q.query(
      `CREATE INDEX scheduled_job_subject ON scheduled_job (subject) WHERE state IN ('PENDING', 'RUNNING')`,
    );

    await q.query(`
      CREATE TABLE idempotency_record (
        caller           text NOT NULL,
        operation        text NOT NULL,
        idempotency_key  text NOT NULL,
        fingerprint      text NOT NULL,
        response         jsonb NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (caller, operation, idempotency_key)
      )`);
    await q.query(`
      CREATE TABLE business_clock (
        id         integer PRIMARY KEY CHECK (id = 1),
        offset_ms  bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'business_clock',
      'idempotency_record',
      'scheduled_job',
      'manual_repayment',
      'repayment_posting',
      'deduction_attempt',
      'repayment_run',
      'repayment_plan',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
