import { money, prepared } from '@wxpay/persistence';
import { type DataSource, type EntityManager } from 'typeorm';
import { type TransactionReference } from '../client/results';
import { type TransactionKind } from '../profile/message-types';
import { type RequestState, type ReversalState } from './request-log';
import { type SqlRow } from './returning';

/**
 * One request of the channel's request log as a caller may read it: what was sent (its reference, for a
 * follow-up or a reversal), what became of it, and its card reference. No internal column leaks out.
 */
export interface LoggedRequest {
  reference: TransactionReference;
  state: RequestState;
  responseCode: string | null;
  authCode: string | null;
  reversalState: ReversalState;
  /** The caller's card reference (`cardRef` of the request), null on follow-ups. */
  cardRef: string | null;
  /** The request this one follows up (a completion's pre-authorisation, a refund's completion). */
  originalRequestId: string | null;
  createdAt: Date;
}

/** A request found by its trace (a settlement line), with the card reference of the chain it belongs to. */
export interface TracedRequest extends LoggedRequest {
  /** `cardRef` of the request, else of its original, else of the original's original (refund → completion → hold). */
  chainCardRef: string | null;
}

export interface RequestTrace {
  terminalId: string;
  stan: string;
  rrn: string;
}

type Db = DataSource | EntityManager;

const COLUMNS = `r.id, r.kind, r.mti, r.stan, r.transmitted, r.rrn, r.acquirer_id, r.forwarding_id, r.terminal_id,
  r.amount_minor, r.amount_currency, r.state, r.response_code, r.auth_code, r.reversal_state, r.card_ref,
  r.original_request_id, r.created_at`;

const text = (v: unknown) => (v === null || v === undefined ? null : String(v).trim());

function toLogged(r: SqlRow): LoggedRequest {
  const created = r.created_at as unknown;
  return {
    reference: {
      requestId: String(r.id),
      kind: String(r.kind) as TransactionKind,
      mti: String(r.mti),
      stan: String(r.stan),
      transmissionDateTime: String(r.transmitted),
      rrn: String(r.rrn),
      acquirerId: String(r.acquirer_id),
      forwardingId: String(r.forwarding_id),
      terminalId: String(r.terminal_id),
      amount: money(Number(r.amount_minor), String(r.amount_currency)),
    },
    state: String(r.state) as RequestState,
    responseCode: text(r.response_code),
    authCode: text(r.auth_code),
    reversalState: String(r.reversal_state) as ReversalState,
    cardRef: text(r.card_ref),
    originalRequestId: text(r.original_request_id),
    createdAt: created instanceof Date ? created : new Date(String(created)),
  };
}

/**
 * Reads the request log a UnionPayClient keeps in the caller's database (`unionpay_request`, created by the
 * request-log migration libs/unionpay exports), so a caller can learn what the channel already did before it sends
 * anything again — a hold whose answer was lost, a completion or a refund already sent — and tie settlement
 * lines back to its own records. Read-only: the client alone writes the log.
 */
export class UnionPayRequestLogReader {
  constructor(private readonly db: Db) {}

  /** The requests of one kind tagged with the caller's card reference, oldest first. */
  async byCardRef(cardRef: string, kind: TransactionKind): Promise<LoggedRequest[]> {
    const rows: SqlRow[] = await prepared(
      this.db,
      `SELECT ${COLUMNS} FROM unionpay_request r WHERE r.card_ref = $1 AND r.kind = $2 ORDER BY r.created_at`,
      [cardRef, kind],
    );
    return rows.map(toLogged);
  }

  /** Follow-ups of one kind (completions of a hold, refunds of a completion), oldest first. */
  async followUpsOf(originalRequestId: string, kind: TransactionKind): Promise<LoggedRequest[]> {
    const rows: SqlRow[] = await prepared(
      this.db,
      `SELECT ${COLUMNS} FROM unionpay_request r
        WHERE r.original_request_id = $1 AND r.kind = $2 ORDER BY r.created_at`,
      [originalRequestId, kind],
    );
    return rows.map(toLogged);
  }

  async byId(requestId: string): Promise<LoggedRequest | undefined> {
    const rows: SqlRow[] = await prepared(
      this.db,
      `SELECT ${COLUMNS} FROM unionpay_request r WHERE r.id = $1`,
      [requestId],
    );
    return rows[0] ? toLogged(rows[0]) : undefined;
  }

  /** The requests with these traces (terminal, STAN, RRN: what a settlement line names), in one query. */
  async byTraces(traces: readonly RequestTrace[]): Promise<TracedRequest[]> {
    if (traces.length === 0) return [];
    const rows: SqlRow[] = await this.db.query(
      `SELECT ${COLUMNS}, COALESCE(r.card_ref, o.card_ref, oo.card_ref) AS chain_card_ref
         FROM unionpay_request r
         LEFT JOIN unionpay_request o ON o.id = r.original_request_id
         LEFT JOIN unionpay_request oo ON oo.id = o.original_request_id
        WHERE (r.terminal_id, r.stan, r.rrn) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
      [traces.map((t) => t.terminalId), traces.map((t) => t.stan), traces.map((t) => t.rrn)],
    );
    return rows.map((r) => ({ ...toLogged(r), chainCardRef: text(r.chain_card_ref) }));
  }
}
