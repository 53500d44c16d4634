import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { currencyNumeric } from '@wxpay/unionpay';
import { type DataSource } from 'typeorm';
import { type DbRow } from '../issuer/journal-rows';
import {
  formatSettlementFile,
  type SettlementCode,
  type SettlementEntry,
  type SettlementSummary,
} from './settlement-file';

const CODES: Record<string, SettlementCode> = {
  purchase: 'PUR',
  completion: 'PAC',
  refund: 'RFD',
  credit: 'CRD',
};
const DEBITS = new Set(['purchase', 'completion']);

export interface SettlementResult {
  date: string;
  path: string;
  content: string;
  summary: SettlementSummary;
}

/**
 * Builds the day's file from the journal: every financial entry approved with that settlement date (an entry
 * reversed on the same day nets to nothing and is left out; one reversed on a later day stays in its own
 * day's file and the reversal appears as REV in the later one). Pre-authorisations are holds: they never settle.
 */
export class SettlementService {
  constructor(
    private readonly ds: DataSource,
    private readonly dataDir: string,
    private readonly switchId: string,
  ) {}

  async generate(date: string): Promise<SettlementResult> {
    const rows: DbRow[] = await this.ds.query(
      `SELECT j.kind, j.acquirer_id, j.terminal_id, j.merchant_id, j.stan, j.transmitted, j.rrn, j.masked_pan,
              j.amount_minor, j.currency, j.auth_code, j.orig_stan, j.orig_transmitted, o.kind AS orig_kind
         FROM sim_journal j
         LEFT JOIN sim_journal o ON o.id = j.original_id
         LEFT JOIN sim_journal r ON r.kind = 'reversal' AND r.state = 'approved' AND r.original_id = j.id
        WHERE j.settlement_date = $1::date
          AND ((j.kind IN ('purchase', 'completion', 'refund', 'credit')
                AND (j.state = 'approved' OR (j.state = 'reversed' AND r.settlement_date IS DISTINCT FROM j.settlement_date)))
            OR (j.kind = 'reversal' AND j.state = 'approved' AND o.settlement_date IS DISTINCT FROM j.settlement_date))
        ORDER BY j.id`,
      [date],
    );
    const entries: SettlementEntry[] = rows.map((r) => {
      const reversal = r.kind === 'reversal';
      const effectiveKind = String(reversal ? r.orig_kind : r.kind);
      const debit = DEBITS.has(effectiveKind) !== reversal;
      return {
        code: reversal ? 'REV' : CODES[String(r.kind)],
        acquirerId: String(r.acquirer_id),
        terminalId: String(r.terminal_id),
        merchantId: String(r.merchant_id),
        stan: String(r.stan),
        transmitted: String(r.transmitted),
        rrn: String(r.rrn),
        maskedPan: String(r.masked_pan ?? ''),
        amount: Number(r.amount_minor),
        currencyNumeric: currencyNumeric(String(r.currency)),
        authCode: String(r.auth_code ?? ''),
        origStan: String(r.orig_stan ?? ''),
        origTransmitted: String(r.orig_transmitted ?? ''),
        direction: debit ? 'D' : 'C',
      };
    });
    const { content, summary } = formatSettlementFile({
      date,
      switchId: this.switchId,
      generatedAt: new Date(),
      entries,
    });
    const dir = resolve(this.dataDir, 'settlement');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `UPSIM_${this.switchId}_${date.replace(/-/g, '')}.txt`);
    await writeFile(`${path}.tmp`, content);
    await rename(`${path}.tmp`, path);
    return { date, path, content, summary };
  }
}
