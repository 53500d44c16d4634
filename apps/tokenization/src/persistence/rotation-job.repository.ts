import { type EntityManager } from 'typeorm';

export interface RotationJobRow {
  id: string;
  target_kek_version: number;
  from_versions: number[];
  state: 'running' | 'completed' | 'superseded';
  /** The last token re-wrapped; the next batch starts after it. */
  cursor_token: string;
  rewrapped: string;
  batches: number;
  passes: number;
}

export interface WrappedKeyRow {
  token: string;
  kek_version: number;
  dek_sealed: Buffer;
}

const COLUMNS = 'id, target_kek_version, from_versions, state, cursor_token, rewrapped, batches, passes';

/** SQL over `rotation_job` and the data-key columns of `card`, on the caller's transaction. */
export const RotationJobRepository = {
  /** Serializes deciding whether to start a job across instances (the row does not exist yet to lock). */
  async lockDecision(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('wxpay-vault rotation_job'))`);
  },

  async running(m: EntityManager): Promise<RotationJobRow | undefined> {
    const rows = (await m.query(
      `SELECT ${COLUMNS} FROM rotation_job WHERE state = 'running'`,
    )) as RotationJobRow[];
    return rows[0];
  },

  /** The job row, locked: one batch at a time per job, whichever instance runs it. */
  async lock(m: EntityManager, id: string): Promise<RotationJobRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM rotation_job WHERE id = $1 FOR UPDATE`, [
      id,
    ])) as RotationJobRow[];
    return rows[0];
  },

  async create(m: EntityManager, target: number, from: number[]): Promise<RotationJobRow> {
    const rows = (await m.query(
      `INSERT INTO rotation_job (target_kek_version, from_versions, state) VALUES ($1, $2, 'running')
       RETURNING ${COLUMNS}`,
      [target, from],
    )) as RotationJobRow[];
    return rows[0]!;
  },

  async setState(m: EntityManager, id: string, state: 'completed' | 'superseded'): Promise<void> {
    await m.query(
      `UPDATE rotation_job SET state = $2, updated_at = now(),
              finished_at = CASE WHEN $2 = 'completed' THEN now() END
        WHERE id = $1`,
      [id, state],
    );
  },

  async advance(m: EntityManager, id: string, lastToken: string, count: number): Promise<void> {
    await m.query(
      `UPDATE rotation_job SET cursor_token = $2, rewrapped = rewrapped + $3, batches = batches + 1,
              updated_at = now()
        WHERE id = $1`,
      [id, lastToken, count],
    );
  },

  /** Back to the first token for another pass (records written behind the cursor under an old version). */
  async restartPass(m: EntityManager, id: string): Promise<void> {
    await m.query(
      `UPDATE rotation_job SET cursor_token = '', passes = passes + 1, updated_at = now() WHERE id = $1`,
      [id],
    );
  },

  /** The next records after the cursor not yet under the target version, locked against concurrent changes. */
  async nextBatch(m: EntityManager, cursor: string, target: number, size: number): Promise<WrappedKeyRow[]> {
    return (await m.query(
      `SELECT token, kek_version, dek_sealed FROM card
        WHERE token > $1 AND kek_version IS NOT NULL AND kek_version <> $2
        ORDER BY token LIMIT $3 FOR UPDATE`,
      [cursor, target, size],
    )) as WrappedKeyRow[];
  },

  async storeWrapped(m: EntityManager, tokens: string[], sealed: Buffer[], version: number): Promise<void> {
    await m.query(
      `UPDATE card c SET dek_sealed = v.dek_sealed, kek_version = $3
         FROM unnest($1::text[], $2::bytea[]) AS v(token, dek_sealed) WHERE c.token = v.token`,
      [tokens, sealed, version],
    );
  },
};
