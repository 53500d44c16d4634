import { money } from '@wxpay/persistence';
import { type TransactionKind, type TransactionReference } from '@wxpay/unionpay';
import { type DataSource } from 'typeorm';
import { type Row } from './sql-values';
import { prepared } from '@wxpay/persistence';

/** A row of the channel client's request log (unionpay_request, in our database), as the adapter reads it. */
export interface LoggedRequest {
  reference: TransactionReference;
  state: 'pending' | 'approved' | 'declined' | 'timed-out' | 'not-sent';
  responseCode: string | null;
  authCode: string | null;
  reversalState: 'armed' | 'none' | 'pending' | 'acknowledged';
  createdAt: Date;
}

/** Tags the card request with our payment id, so an authorisation whose answer we lost can be found again. */
export function cardRefOf(paymentId: string): string {
  return `pay:${paymentId}`;
}

function toLogged(r: Row): LoggedRequest {
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
    state: String(r.state) as LoggedRequest['state'],
    responseCode: r.response_code === null ? null : String(r.response_code).trim(),
    authCode: r.auth_code === null ? null : String(r.auth_code).trim(),
    reversalState: String(r.reversal_state) as LoggedRequest['reversalState'],
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(String(r.created_at)),
  };
}

const COLUMNS = `id, kind, mti, stan, transmitted, rrn, acquirer_id, forwarding_id, terminal_id, amount_minor,
  amount_currency, state, response_code, auth_code, reversal_state, created_at`;

/** Reads the request log to learn what the channel already did for a payment, before anything is sent again. */
export class RequestLogLookup {
  constructor(private readonly ds: DataSource) {}

  async authorizationsOf(paymentId: string): Promise<LoggedRequest[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM unionpay_request WHERE card_ref = $1 AND kind = 'preauth' ORDER BY created_at`,
      [cardRefOf(paymentId)],
    );
    return rows.map(toLogged);
  }

  async followUpsOf(originalRequestId: string, kind: 'completion' | 'refund'): Promise<LoggedRequest[]> {
    const rows: Row[] = await prepared(
      this.ds,
      `SELECT ${COLUMNS} FROM unionpay_request WHERE original_request_id = $1 AND kind = $2 ORDER BY created_at`,
      [originalRequestId, kind],
    );
    return rows.map(toLogged);
  }

  async byId(requestId: string): Promise<LoggedRequest | undefined> {
    const rows: Row[] = await this.ds.query(`SELECT ${COLUMNS} FROM unionpay_request WHERE id = $1`, [
      requestId,
    ]);
    return rows[0] ? toLogged(rows[0]) : undefined;
  }

  /** Requests by their trace, for settlement lines: completion → payment id, refund → refund id. */
  async resolveTraces(
    traces: { terminalId: string; stan: string; rrn: string }[],
  ): Promise<Map<string, { kind: string; paymentId: string | null; refundId: string | null }>> {
    const out = new Map<string, { kind: string; paymentId: string | null; refundId: string | null }>();
    if (traces.length === 0) return out;
    const rows: Row[] = await this.ds.query(
      `SELECT r.terminal_id, r.stan, r.rrn, r.kind,
              COALESCE(r.card_ref, o.card_ref, oo.card_ref) AS card_ref, l.refund_id
         FROM unionpay_request r
         LEFT JOIN unionpay_request o ON o.id = r.original_request_id
         LEFT JOIN unionpay_request oo ON oo.id = o.original_request_id
         LEFT JOIN channel_refund_link l ON l.request_id = r.id
        WHERE (r.terminal_id, r.stan, r.rrn) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
      [traces.map((t) => t.terminalId), traces.map((t) => t.stan), traces.map((t) => t.rrn)],
    );
    for (const r of rows) {
      const cardRef = r.card_ref === null ? '' : String(r.card_ref);
      out.set(traceKey(String(r.terminal_id), String(r.stan), String(r.rrn)), {
        kind: String(r.kind),
        paymentId: cardRef.startsWith('pay:') ? cardRef.slice(4) : null,
        refundId: r.refund_id === null ? null : String(r.refund_id),
      });
    }
    return out;
  }

  async linkRefund(refundId: string, requestId: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO channel_refund_link (refund_id, request_id) VALUES ($1, $2)
       ON CONFLICT (refund_id) DO UPDATE SET request_id = EXCLUDED.request_id, created_at = now()`,
      [refundId, requestId],
    );
  }

  async linkedRefund(refundId: string): Promise<string | undefined> {
    const rows: Row[] = await this.ds.query(
      `SELECT request_id FROM channel_refund_link WHERE refund_id = $1`,
      [refundId],
    );
    return rows[0] ? String(rows[0].request_id) : undefined;
  }

  /** Refund requests of a completion not linked to any of our refunds (sent by a process that died). */
  async unlinkedRefunds(completionRequestId: string, amountMinor: number): Promise<LoggedRequest[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM unionpay_request r
        WHERE r.original_request_id = $1 AND r.kind = 'refund' AND r.amount_minor = $2
          AND NOT EXISTS (SELECT 1 FROM channel_refund_link l WHERE l.request_id = r.id)
        ORDER BY r.created_at`,
      [completionRequestId, amountMinor],
    );
    return rows.map(toLogged);
  }
}

export function traceKey(terminalId: string, stan: string, rrn: string): string {
  return `${terminalId.trim()}|${stan.trim()}|${rrn.trim()}`;
}
