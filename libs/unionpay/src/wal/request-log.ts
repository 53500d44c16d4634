import { type Pool } from 'pg';
import { type DataSource } from 'typeorm';
import { type TransactionKind } from '../profile/message-types';
import { updateReturning, type SqlRow } from './returning';
import { WriteBatcher } from './write-batcher';

export type RequestState = 'pending' | 'approved' | 'declined' | 'timed-out' | 'not-sent';
export type ReversalState = 'armed' | 'none' | 'pending' | 'acknowledged';

export interface NewRequest {
  id: string;
  kind: TransactionKind;
  mti: string;
  processingCode: string;
  posCondition: string;
  stan: string;
  transmitted: string;
  rrn: string;
  acquirerId: string;
  forwardingId: string;
  terminalId: string;
  merchantId: string;
  amountMinor: number;
  currency: string;
  cardRef: string | null;
  originalRequestId: string | null;
}

export interface RequestRecord extends NewRequest {
  state: RequestState;
  responseCode: string | null;
  authCode: string | null;
  reversalState: ReversalState;
  reversalReason: string | null;
  reversalAttempts: number;
  reversalResponseCode: string | null;
}

export interface Finish {
  id: string;
  state: 'approved' | 'declined';
  responseCode: string;
  authCode: string | null;
  settlementDate: string | null;
}

const COLUMNS = `id, kind, mti, processing_code, pos_condition, stan, transmitted, rrn, acquirer_id, forwarding_id,
  terminal_id, merchant_id, amount_minor, amount_currency, card_ref, original_request_id, state, response_code,
  auth_code, reversal_state, reversal_reason, reversal_attempts, reversal_response_code`;

type Row = SqlRow;

function toRecord(r: Row): RequestRecord {
  const s = (k: string) => (r[k] === null ? null : String(r[k]));
  return {
    id: String(r.id),
    kind: r.kind as TransactionKind,
    mti: String(r.mti),
    processingCode: String(r.processing_code),
    posCondition: String(r.pos_condition),
    stan: String(r.stan),
    transmitted: String(r.transmitted),
    rrn: String(r.rrn),
    acquirerId: String(r.acquirer_id),
    forwardingId: String(r.forwarding_id),
    terminalId: String(r.terminal_id),
    merchantId: String(r.merchant_id),
    amountMinor: Number(r.amount_minor),
    currency: String(r.amount_currency),
    cardRef: s('card_ref'),
    originalRequestId: s('original_request_id'),
    state: r.state as RequestState,
    responseCode: s('response_code'),
    authCode: s('auth_code'),
    reversalState: r.reversal_state as ReversalState,
    reversalReason: s('reversal_reason'),
    reversalAttempts: Number(r.reversal_attempts),
    reversalResponseCode: s('reversal_response_code'),
  };
}

/**
 * The write-ahead request log in the caller's database. Inserts and finishes are group-committed (one statement
 * per flush for all requests waiting); every state change is conditional on the state it expects, so a late
 * answer, the orphan sweep and the owner can race and exactly one of them wins.
 *
 * Durability: an insert commits synchronously — it is the write-ahead record that makes a reversal possible
 * after a crash. A finish commits asynchronously (synchronous_commit off for that transaction only): if our
 * process dies the commit is still in PostgreSQL; only a PostgreSQL crash within the WAL writer delay can lose
 * it, and then the request is reversed as an orphan. That is consistent for the caller, whose own next
 * synchronous commit in the same cluster flushes the WAL past our finish (the WAL is one ordered log): either
 * the caller durably recorded the approval and the finish is durable too, or neither is.
 */
export class RequestLog {
  readonly #inserts: WriteBatcher<NewRequest, boolean>;
  readonly #finishes: WriteBatcher<Finish, boolean>;
  readonly #pool: Pool | undefined;

  constructor(
    private readonly ds: DataSource,
    /** Identifies this process incarnation in the rows it writes (diagnostics). */
    private readonly owner: string,
  ) {
    // The insert runs as a named prepared statement on TypeORM's own node-postgres pool: parsed and planned once
    // per connection instead of once per flush (an INSERT … SELECT FROM unnest has no plan to go stale).
    this.#pool = (ds.driver as unknown as { master?: Pool }).master;
    this.#inserts = new WriteBatcher((rows) => this.#insertMany(rows));
    this.#finishes = new WriteBatcher((rows) => this.#finishMany(rows));
  }

  /** Write-ahead: resolves once the row (and so its armed reversal) is durably committed. */
  async insert(row: NewRequest): Promise<void> {
    await this.#inserts.submit(row);
  }

  /** Records the answer; false when the row was no longer pending (the orphan sweep reversed it). */
  finish(f: Finish): Promise<boolean> {
    return this.#finishes.submit(f);
  }

  async markNotSent(id: string): Promise<void> {
    await this.ds.query(
      `UPDATE unionpay_request SET state = 'not-sent', reversal_state = 'none', finished_at = now()
        WHERE id = $1 AND state = 'pending'`,
      [id],
    );
  }

  /** pending → timed-out with its reversal due now; false if someone else concluded the row first. */
  async timeOut(id: string, reason: string): Promise<boolean> {
    const rows = await updateReturning(
      this.ds,
      `UPDATE unionpay_request
          SET state = 'timed-out', reversal_state = 'pending', reversal_reason = $2, reversal_next_at = now(),
              finished_at = now()
        WHERE id = $1 AND state = 'pending' RETURNING id`,
      [id, reason],
    );
    return rows.length > 0;
  }

  /** Rows still pending after `olderThanMs` belong to a dead or lost request: queue their reversal. */
  async sweepOrphans(olderThanMs: number, reason: string): Promise<number> {
    const rows = await updateReturning(
      this.ds,
      `UPDATE unionpay_request
          SET state = 'timed-out', reversal_state = 'pending', reversal_reason = $2, reversal_next_at = now(),
              finished_at = now()
        WHERE state = 'pending' AND created_at < now() - make_interval(secs => $1::float8 / 1000)
        RETURNING id`,
      [olderThanMs, reason],
    );
    return rows.length;
  }

  /** An approved request the caller wants undone; returns the row as it now stands, undefined if unknown. */
  async requestReversal(id: string, reason: string): Promise<RequestRecord | undefined> {
    await this.ds.query(
      `UPDATE unionpay_request
          SET reversal_state = 'pending', reversal_reason = $2, reversal_next_at = now()
        WHERE id = $1 AND state = 'approved' AND reversal_state = 'none'`,
      [id, reason],
    );
    return this.findById(id);
  }

  /**
   * Takes up to `limit` due reversals, leasing each for `leaseMs` (so a concurrent forwarder, or the next poll,
   * leaves it alone while this attempt runs) and counting the attempt.
   */
  async claimDueReversals(limit: number, leaseMs: number): Promise<RequestRecord[]> {
    const rows = await updateReturning(
      this.ds,
      `UPDATE unionpay_request
          SET reversal_attempts = reversal_attempts + 1,
              reversal_next_at = now() + make_interval(secs => $2::float8 / 1000)
        WHERE id IN (SELECT id FROM unionpay_request
                      WHERE reversal_state = 'pending' AND reversal_next_at <= now()
                      ORDER BY reversal_next_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [limit, leaseMs],
    );
    return rows.map(toRecord);
  }

  async rescheduleReversal(id: string, delayMs: number, responseCode: string | null): Promise<void> {
    await this.ds.query(
      `UPDATE unionpay_request
          SET reversal_next_at = now() + make_interval(secs => $2::float8 / 1000),
              reversal_response_code = coalesce($3, reversal_response_code)
        WHERE id = $1 AND reversal_state = 'pending'`,
      [id, delayMs, responseCode],
    );
  }

  /** true when this call moved the reversal to acknowledged (a repeated 0430 finds it done already). */
  async acknowledgeReversal(id: string, responseCode: string): Promise<boolean> {
    const rows = await updateReturning(
      this.ds,
      `UPDATE unionpay_request
          SET reversal_state = 'acknowledged', reversal_response_code = $2, reversal_acknowledged_at = now(),
              reversal_next_at = NULL
        WHERE id = $1 AND reversal_state = 'pending' RETURNING id`,
      [id, responseCode],
    );
    return rows.length > 0;
  }

  async findById(id: string): Promise<RequestRecord | undefined> {
    const rows: Row[] = await this.ds.query(`SELECT ${COLUMNS} FROM unionpay_request WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findByTrace(terminalId: string, stan: string, rrn: string): Promise<RequestRecord | undefined> {
    const rows: Row[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM unionpay_request WHERE terminal_id = $1 AND stan = $2 AND rrn = $3`,
      [terminalId, stan, rrn],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async #prepared(name: string, text: string, values: unknown[]): Promise<Row[]> {
    if (!this.#pool) return this.ds.query(text, values);
    return (await this.#pool.query<Row>({ name, text, values })).rows;
  }

  async #insertMany(rows: NewRequest[]): Promise<boolean[]> {
    const col = <K extends keyof NewRequest>(k: K) => rows.map((r) => r[k]);
    await this.#prepared(
      'unionpay_request_insert',
      `INSERT INTO unionpay_request (id, kind, mti, processing_code, pos_condition, stan, transmitted, rrn,
          acquirer_id, forwarding_id, terminal_id, merchant_id, amount_minor, amount_currency, card_ref,
          original_request_id, state, reversal_state, owner)
       SELECT u.*, 'pending', 'armed', $17
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[],
                     $16::uuid[]) AS u`,
      [
        col('id'),
        col('kind'),
        col('mti'),
        col('processingCode'),
        col('posCondition'),
        col('stan'),
        col('transmitted'),
        col('rrn'),
        col('acquirerId'),
        col('forwardingId'),
        col('terminalId'),
        col('merchantId'),
        col('amountMinor'),
        col('currency'),
        col('cardRef'),
        col('originalRequestId'),
        this.owner,
      ],
    );
    return rows.map(() => true);
  }

  async #finishMany(rows: Finish[]): Promise<boolean[]> {
    // set_config(…, true) is SET LOCAL for this statement's own transaction: only this commit is asynchronous.
    // Not a named statement: a generic plan cached while the table is small would keep scanning it as it grows.
    const updated: Row[] = await this.ds.query(
      `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
       finished AS (
         UPDATE unionpay_request r
            SET state = u.state, response_code = u.code, auth_code = u.auth, settlement_date = u.sd,
                reversal_state = 'none', finished_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, state, code, auth, sd),
                async_commit
          WHERE r.id = u.id AND r.state = 'pending'
         RETURNING r.id
       )
       SELECT id::text AS id FROM finished`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.state),
        rows.map((r) => r.responseCode),
        rows.map((r) => r.authCode),
        rows.map((r) => r.settlementDate),
      ],
    );
    const done = new Set(updated.map((u) => String(u.id)));
    return rows.map((r) => done.has(r.id));
  }
}
