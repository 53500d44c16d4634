import { IDEMPOTENCY_TABLE_SQL } from '@wxpay/persistence';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Idempotency records in the one shape every service shares (libs/persistence IdempotencyStore,
 * IDEMPOTENCY_TABLE_SQL): the table is rebuilt in that shape and every record is kept. The old records hold the
 * answer itself (a Plan view; an answer was written in the transaction of its change, so every record has one):
 * it becomes `{ ok: <answer> }`, completed when it was created, with its JSON nulls dropped (the message fields
 * they stood for are absent). A stored error, had one been written in the gRPC form
 * `{ error: { code: <number>, reason, message, field } }`, becomes `{ error: { code: <domain code>, message, field } }`.
 *
 * A retry that straddles the upgrade: its key is still there, with its plan (nothing is created twice), but its
 * fingerprint was computed from the use case's parameters, where the edge now fingerprints the request message.
 * Such a retry is answered ALREADY_EXISTS / IDEMPOTENCY_CONFLICT rather than replayed: the caller finds the plan
 * with GetPlan. Records from before expire with the retention (IDEMPOTENCY_RETENTION_HOURS).
 */
export class UnifyIdempotencyRecords1733600000000 implements MigrationInterface {
  name = 'UnifyIdempotencyRecords1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_record RENAME TO idempotency_record_old`);
    await q.query(
      `ALTER TABLE idempotency_record_old RENAME CONSTRAINT idempotency_record_pkey TO idempotency_record_old_pkey`,
    );
    await q.query(IDEMPOTENCY_TABLE_SQL);
    await q.query(`CREATE INDEX idempotency_record_age ON idempotency_record (created_at)`);
    await q.query(`
      INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, response, created_at,
                                      completed_at)
      SELECT caller, operation, idempotency_key, fingerprint,
             CASE WHEN jsonb_typeof(response) = 'null' THEN NULL
                  WHEN jsonb_typeof(response) = 'object' AND response ? 'error' THEN jsonb_build_object('error',
                    jsonb_strip_nulls(jsonb_build_object(
                      'code', COALESCE(response->'error'->>'reason', ${GRPC_CODE_TO_DOMAIN}),
                      'message', response->'error'->'message',
                      'field', response->'error'->'field')))
                  ELSE jsonb_build_object('ok', jsonb_strip_nulls(response)) END,
             created_at,
             CASE WHEN jsonb_typeof(response) = 'null' THEN NULL ELSE created_at END
        FROM idempotency_record_old`);
    await q.query(`DROP TABLE idempotency_record_old`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_record RENAME TO idempotency_record_new`);
    await q.query(
      `ALTER TABLE idempotency_record_new RENAME CONSTRAINT idempotency_record_pkey TO idempotency_record_new_pkey`,
    );
    await q.query(`DROP INDEX idempotency_record_age`);
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
    // Answers back as they were kept; the old code kept no errors and no unanswered keys.
    await q.query(`
      INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, response, created_at)
      SELECT caller, operation, idempotency_key, fingerprint, response->'ok', created_at
        FROM idempotency_record_new WHERE response ? 'ok'`);
    await q.query(`DROP TABLE idempotency_record_new`);
  }
}

/** For a stored error without a reason: the AutoRepayment code its status stood for. */
const GRPC_CODE_TO_DOMAIN = `CASE (response->'error'->>'code')::int
    WHEN 3 THEN 'INVALID_ARGUMENT' WHEN 5 THEN 'PLAN_NOT_FOUND' WHEN 6 THEN 'IDEMPOTENCY_CONFLICT'
    WHEN 10 THEN 'VERSION_MISMATCH' WHEN 14 THEN 'WECHATPAY_UNAVAILABLE' ELSE 'INVALID_STATE' END`;
