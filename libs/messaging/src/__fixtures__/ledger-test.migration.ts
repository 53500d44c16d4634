import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Tables the messaging tests use as "state change" and "consumer side effect". */
export class CreateMessagingTestTables1732500000001 implements MigrationInterface {
  name = 'CreateMessagingTestTables1732500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account (id text PRIMARY KEY, balance_minor bigint NOT NULL)`);
    // No unique constraint on purpose: a message applied twice would show up as two rows.
    await q.query(
      `CREATE TABLE applied_effect (event_id text NOT NULL, aggregate_id text NOT NULL, n integer NOT NULL)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE applied_effect`);
    await q.query(`DROP TABLE account`);
  }
}
