import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';

/** A suspension request due for an attempt. */
export interface DueSuspension {
  suspension_id: string;
  card_token: string;
  reason: string;
  attempts: number;
}

/**
 * The token suspensions severe alerts ask for (token_suspension), each written in its alert's transaction and
 * carried out by the suspension worker. Every method runs in the caller's transaction.
 */
@Injectable()
export class TokenSuspensionRepository {
  /** Queues a suspension (once per id: the alert's id, so a retried chunk queues it once). */
  async request(m: EntityManager, suspensionId: string, cardToken: string, reason: string): Promise<void> {
    await m.query(
      `INSERT INTO token_suspension (suspension_id, card_token, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [suspensionId, cardToken, reason],
    );
  }

  /**
   * Claims the pending suspension due first, locked until the caller's transaction ends; rows other transactions
   * hold are skipped, so several workers can drain the queue.
   */
  async claimDue(m: EntityManager): Promise<DueSuspension | undefined> {
    const rows: DueSuspension[] = await m.query(
      `SELECT suspension_id, card_token, reason, attempts FROM token_suspension
           WHERE status = 'PENDING' AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    return rows[0];
  }

  /** The vault suspended the token: the request is done and the card SUSPENDED (a DELETED card stays DELETED). */
  async markDone(m: EntityManager, due: DueSuspension, attempts: number): Promise<void> {
    await m.query(
      `UPDATE token_suspension SET status = 'DONE', attempts = $2, done_at = now(), last_error = NULL
         WHERE suspension_id = $1`,
      [due.suspension_id, attempts],
    );
    await m.query(
      `INSERT INTO card_status (card_token, status, source) VALUES ($1, 'SUSPENDED', 'risk-alert')
         ON CONFLICT (card_token) DO UPDATE SET
           status = CASE WHEN card_status.status = 'DELETED' THEN 'DELETED' ELSE 'SUSPENDED' END,
           source = 'risk-alert', updated_at = now()`,
      [due.card_token],
    );
  }

  /** An attempt failed: the request waits `delayMs` for the next one (PENDING), or is given up (FAILED). */
  async markFailed(
    m: EntityManager,
    suspensionId: string,
    status: 'PENDING' | 'FAILED',
    attempts: number,
    error: string,
    delayMs: number,
  ): Promise<void> {
    await m.query(
      `UPDATE token_suspension SET status = $2, attempts = $3, last_error = $4,
           next_attempt_at = now() + ($5::int * interval '1 millisecond')
         WHERE suspension_id = $1`,
      [suspensionId, status, attempts, error, delayMs],
    );
  }
}
