import { IDEMPOTENCY_TABLE_SQL } from '@wxpay/persistence';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Idempotency records in the one shape every service shares (libs/persistence IdempotencyStore,
 * IDEMPOTENCY_TABLE_SQL): the table is rebuilt in that shape and every record is kept, its stored error converted
 * to the shared form — `{ error: { code: <gRPC number>, reason, message, field } }` becomes
 * `{ error: { code: <the domain code, the old reason>, message, field } }`.
 *
 * A retry that straddles the upgrade: its key is still there, with its payment or refund (nothing is ever
 * created twice), but its fingerprint was computed from the use case's parameters, where the edge now
 * fingerprints the request message. Such a retry is answered ALREADY_EXISTS / IDEMPOTENCY_CONFLICT rather than
 * replayed: the caller finds the first call's payment with GetPayment / ListPayments. Records from before expire
 * with the retention (IDEMPOTENCY_RETENTION_HOURS).
 */
export class UnifyIdempotencyRecords1733500000100 implements MigrationInterface {
  name = 'UnifyIdempotencyRecords1733500000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_record RENAME TO idempotency_record_old`);
    await q.query(`ALTER INDEX idempotency_record_age RENAME TO idempotency_record_old_age`);
    await q.query(
      `ALTER TABLE idempotency_record_old RENAME CONSTRAINT idempotency_record_pkey TO idempotency_record_old_pkey`,
    );
    await q.query(IDEMPOTENCY_TABLE_SQL);
    await q.query(`CREATE INDEX idempotency_record_age ON idempotency_record (created_at)`);
    await q.query(`
      INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, resource_id, response,
                                      lease_until, created_at, completed_at)
      SELECT caller, operation, idempotency_key, fingerprint, resource_id,
             CASE WHEN response ? 'error' THEN jsonb_build_object('error',
                    jsonb_strip_nulls(jsonb_build_object(
                      'code', COALESCE(response->'error'->>'reason', ${GRPC_CODE_TO_DOMAIN}),
                      'message', response->'error'->'message',
                      'field', response->'error'->'field')))
                  ELSE response END,
             lease_until, created_at, completed_at
        FROM idempotency_record_old`);
    await q.query(`DROP TABLE idempotency_record_old`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The gRPC status of each stored error back from its code (the Payments table).
    await q.query(`
      UPDATE idempotency_record SET response = jsonb_build_object('error',
             jsonb_strip_nulls(jsonb_build_object(
               'code', ${DOMAIN_TO_GRPC_CODE},
               'message', response->'error'->'message',
               'reason', response->'error'->'code',
               'field', response->'error'->'field')))
       WHERE response ? 'error'`);
  }
}

/** For a stored error without a reason (none was written so): the Payments code its status stood for. */
const GRPC_CODE_TO_DOMAIN = `CASE (response->'error'->>'code')::int
    WHEN 3 THEN 'INVALID_ARGUMENT' WHEN 5 THEN 'PAYMENT_NOT_FOUND' WHEN 6 THEN 'IDEMPOTENCY_CONFLICT'
    WHEN 10 THEN 'IN_PROGRESS' WHEN 14 THEN 'OUTCOME_UNKNOWN' ELSE 'INVALID_STATE' END`;

const DOMAIN_TO_GRPC_CODE = `CASE response->'error'->>'code'
    WHEN 'INVALID_ARGUMENT' THEN 3 WHEN 'PAYMENT_NOT_FOUND' THEN 5 WHEN 'IDEMPOTENCY_CONFLICT' THEN 6
    WHEN 'IN_PROGRESS' THEN 10 WHEN 'OUTCOME_UNKNOWN' THEN 14 ELSE 9 END`;
