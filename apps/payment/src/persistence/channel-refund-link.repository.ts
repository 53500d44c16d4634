import { type DataSource } from 'typeorm';
import { type Row } from './sql-values';

/**
 * Which UnionPay request carried which of our refunds (channel_refund_link). The channel's request log knows a
 * refund's original (the completion) but not which of several partial refunds it was; the link is recorded as
 * soon as the client answers, so a retried refund finds what it already sent instead of sending it again.
 */
export class ChannelRefundLinkRepository {
  constructor(private readonly ds: DataSource) {}

  async link(refundId: string, requestId: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO channel_refund_link (refund_id, request_id) VALUES ($1, $2)
       ON CONFLICT (refund_id) DO UPDATE SET request_id = EXCLUDED.request_id, created_at = now()`,
      [refundId, requestId],
    );
  }

  /** The request that carried this refund, if one was linked. */
  async requestOf(refundId: string): Promise<string | undefined> {
    const rows: Row[] = await this.ds.query(
      `SELECT request_id FROM channel_refund_link WHERE refund_id = $1`,
      [refundId],
    );
    return rows[0] ? String(rows[0].request_id) : undefined;
  }

  /** Refund ids by the requests that carried them (requests linked to none are absent). */
  async refundsOf(requestIds: readonly string[]): Promise<Map<string, string>> {
    if (requestIds.length === 0) return new Map();
    const rows: Row[] = await this.ds.query(
      `SELECT request_id, refund_id FROM channel_refund_link WHERE request_id = ANY($1::uuid[])`,
      [requestIds],
    );
    return new Map(rows.map((r) => [String(r.request_id), String(r.refund_id)]));
  }
}
