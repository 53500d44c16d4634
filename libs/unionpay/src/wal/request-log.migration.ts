import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The UnionPay request log of a service that uses the channel (list it in the service's migrations). One row
 * per financial request, written before the request is sent; its reversal columns make it the store-and-forward
 * queue. Card data never enters it: `card_ref` holds a token or a masked PAN (the CHECK refuses a bare PAN).
 */
export class UnionPayRequestLogMigration1732700000000 implements MigrationInterface {
  name = 'UnionPayRequestLogMigration1732700000000';

  async up(q: QueryRunner): Promise<void> {
    // STAN: 6 digits, unique per originator per day; cycling after 999 999 is acceptable at our volumes.
    await q.query(`CREATE SEQUENCE unionpay_stan_seq MINVALUE 1 MAXVALUE 999999 CYCLE`);
    await q.query(`
      CREATE TABLE unionpay_request (
        id                   uuid PRIMARY KEY,
        kind                 text NOT NULL CHECK (kind IN ('preauth', 'completion', 'purchase', 'refund', 'credit')),
        mti                  text NOT NULL CHECK (mti ~ '^[0-9]{4}$'),
        processing_code      text NOT NULL CHECK (processing_code ~ '^[0-9]{6}$'),
        pos_condition        text NOT NULL CHECK (pos_condition ~ '^[0-9]{2}$'),
        stan                 text NOT NULL CHECK (stan ~ '^[0-9]{6}$'),
        transmitted          text NOT NULL CHECK (transmitted ~ '^[0-9]{10}$'),
        rrn                  text NOT NULL CHECK (length(rrn) = 12),
        acquirer_id          text NOT NULL,
        forwarding_id        text NOT NULL,
        terminal_id          text NOT NULL,
        merchant_id          text NOT NULL,
        amount_minor         bigint NOT NULL CHECK (amount_minor > 0),
        amount_currency      text NOT NULL CHECK (amount_currency ~ '^[A-Z]{3}$'),
        card_ref             text CHECK (card_ref !~ '^[0-9]{12,19}$'),
        original_request_id  uuid,
        state                text NOT NULL CHECK (state IN ('pending', 'approved', 'declined', 'timed-out', 'not-sent')),
        response_code        text,
        auth_code            text,
        settlement_date      text,
        reversal_state       text NOT NULL CHECK (reversal_state IN ('armed', 'none', 'pending', 'acknowledged')),
        reversal_reason      text,
        reversal_attempts    integer NOT NULL DEFAULT 0,
        reversal_next_at     timestamptz,
        reversal_response_code text,
        reversal_acknowledged_at timestamptz,
        owner                text NOT NULL,
        created_at           timestamptz NOT NULL DEFAULT now(),
        finished_at          timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX unionpay_request_trace ON unionpay_request (terminal_id, stan, rrn)`);
    await q.query(
      `CREATE INDEX unionpay_request_pending ON unionpay_request (created_at) WHERE state = 'pending'`,
    );
    await q.query(
      `CREATE INDEX unionpay_request_reversal_due ON unionpay_request (reversal_next_at) WHERE reversal_state = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE unionpay_request`);
    await q.query(`DROP SEQUENCE unionpay_stan_seq`);
  }
}
