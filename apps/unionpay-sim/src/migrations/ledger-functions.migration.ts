import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The issuer batch's two statements as PL/pgSQL functions, so the batch sends only a short
 * `SELECT sim_ledger_read(…)` / `SELECT sim_ledger_write(…)` (see ledger-store.ts). Both force custom plans: a
 * generic plan cached while the journal is small keeps scanning it as it grows (measured: throughput fell by
 * two thirds within a minute), whereas planning with the actual arrays costs well under a millisecond a batch.
 *
 * sim_ledger_read: the journal rows a batch refers to (its own traces, originals named by F90, their originals,
 * reversals naming them), the card accounts involved locked FOR UPDATE in id order, and ids for new rows.
 * sim_ledger_write: inserts new journal rows, updates changed rows and account balances.
 */
export class CreateSimLedgerFunctions1732710000001 implements MigrationInterface {
  name = 'CreateSimLedgerFunctions1732710000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION sim_ledger_read(p_acquirer text[], p_terminal text[], p_mti text[], p_stan text[],
                                      p_transmitted text[], p_pan_index text[], p_new_ids int)
      RETURNS json LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
      DECLARE
        result json;
      BEGIN
        WITH keys AS (
          SELECT * FROM unnest(p_acquirer, p_terminal, p_mti, p_stan, p_transmitted) AS k(a, t, m, s, x)
        ), ref AS (
          SELECT j.id, j.account_id, j.original_id FROM sim_journal j JOIN keys k
              ON (j.acquirer_id, j.terminal_id, j.mti, j.stan, j.transmitted) = (k.a, k.t, k.m, k.s, k.x)
          UNION
          SELECT j.id, j.account_id, j.original_id FROM sim_journal j JOIN keys k
              ON j.kind = 'reversal'
             AND (j.acquirer_id, j.terminal_id, j.orig_mti, j.orig_stan, j.orig_transmitted) = (k.a, k.t, k.m, k.s, k.x)
        ), account_ids AS (
          SELECT account_id AS id FROM ref WHERE account_id IS NOT NULL
          UNION
          SELECT c.id FROM unnest(p_pan_index) AS x
            JOIN LATERAL (SELECT id FROM card_account WHERE pan_index = decode(x, 'hex')) c ON true
        ), locked AS (
          SELECT a.id, a.masked_pan, a.expiry, a.status, a.currency, a.credit_limit_minor, a.balance_minor,
                 a.held_minor, a.single_limit_minor, encode(a.pan_index, 'hex') AS pan_index
            FROM card_account a
           WHERE a.id = ANY (ARRAY(SELECT id FROM account_ids))
           ORDER BY a.id FOR UPDATE
        )
        SELECT json_build_object(
          'accounts', (SELECT coalesce(json_agg(l), '[]') FROM locked l),
          'rows', (SELECT coalesce(json_agg(r), '[]') FROM (
              SELECT j.id, j.acquirer_id, j.terminal_id, j.merchant_id, j.mti, j.processing_code, j.kind, j.stan,
                     j.transmitted, j.rrn, j.account_id, j.masked_pan, j.amount_minor, j.currency, j.response_code,
                     j.auth_code, j.state, j.original_id, j.orig_mti, j.orig_stan, j.orig_transmitted, j.hold_minor,
                     j.refunded_minor, j.reason_code, to_char(j.settlement_date, 'YYYY-MM-DD') AS settlement_date
                FROM sim_journal j
               WHERE j.id = ANY (ARRAY(SELECT id FROM ref UNION SELECT original_id FROM ref))) r),
          'ids', (SELECT coalesce(json_agg(nextval('sim_journal_id_seq')), '[]') FROM generate_series(1, p_new_ids)))
        INTO result;
        RETURN result;
      END $$`);
    await q.query(`
      CREATE FUNCTION sim_ledger_write(
          n_id bigint[], n_acquirer text[], n_terminal text[], n_merchant text[], n_mti text[], n_pcode text[],
          n_kind text[], n_stan text[], n_transmitted text[], n_rrn text[], n_account bigint[], n_masked text[],
          n_amount bigint[], n_currency text[], n_code text[], n_auth text[], n_state text[], n_original bigint[],
          n_orig_mti text[], n_orig_stan text[], n_orig_transmitted text[], n_hold bigint[], n_refunded bigint[],
          n_reason text[], n_settlement date[],
          c_id bigint[], c_state text[], c_hold bigint[], c_refunded bigint[],
          a_id bigint[], a_balance bigint[], a_held bigint[])
      RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
      BEGIN
        INSERT INTO sim_journal (id, acquirer_id, terminal_id, merchant_id, mti, processing_code, kind, stan,
            transmitted, rrn, account_id, masked_pan, amount_minor, currency, response_code, auth_code, state,
            original_id, orig_mti, orig_stan, orig_transmitted, hold_minor, refunded_minor, reason_code,
            settlement_date)
        SELECT * FROM unnest(n_id, n_acquirer, n_terminal, n_merchant, n_mti, n_pcode, n_kind, n_stan,
            n_transmitted, n_rrn, n_account, n_masked, n_amount, n_currency, n_code, n_auth, n_state, n_original,
            n_orig_mti, n_orig_stan, n_orig_transmitted, n_hold, n_refunded, n_reason, n_settlement);
        UPDATE sim_journal j SET state = u.state, hold_minor = u.hold, refunded_minor = u.refunded
          FROM unnest(c_id, c_state, c_hold, c_refunded) AS u(id, state, hold, refunded)
         WHERE j.id = u.id;
        UPDATE card_account a SET balance_minor = u.balance, held_minor = u.held, updated_at = now()
          FROM unnest(a_id, a_balance, a_held) AS u(id, balance, held)
         WHERE a.id = u.id;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION sim_ledger_write`);
    await q.query(`DROP FUNCTION sim_ledger_read`);
  }
}
