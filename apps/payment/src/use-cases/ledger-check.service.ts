import { Inject, Injectable } from '@nestjs/common';
import { type CheckLedgerResponse } from '@wxpay/contracts';
import { DATA_SOURCE } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { ledgerCheckView } from '../api/payment-views';
import { LedgerRepository } from '../persistence/ledger.repository';

/** CheckLedger: the ledger's size and every transaction that does not balance (empty when it is sound). */
@Injectable()
export class LedgerCheckService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly ledger: LedgerRepository,
  ) {}

  async check(): Promise<CheckLedgerResponse> {
    const [counts, unbalanced] = await Promise.all([
      this.ledger.counts(this.ds),
      this.ledger.unbalanced(this.ds),
    ]);
    return ledgerCheckView(counts, unbalanced);
  }
}
