import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type AuditLog } from './audit/audit-log';
import { type BinTable } from './cards/bin-table';
import { type CardLookup } from './cards/card-lookup';
import { type DekCache } from './crypto/dek-cache';
import { type KeyRing } from './keys/key-ring';

/** What the vault's services share. */
export interface VaultDeps {
  dataSource: DataSource;
  ring: KeyRing;
  bins: BinTable;
  audit: AuditLog;
  /** Coalesced reads of card rows (hot path). */
  lookup: CardLookup;
  dekCache: DekCache;
  logger: Logger;
  now: () => Date;
  /** cards.lifecycle.v1 unless configured otherwise. */
  eventsTopic: string;
}

/** Who is calling: `cn:<client-certificate CN>` over mutual TLS, `plaintext` without TLS. */
export interface Caller {
  actor: string;
  traceId: string;
}
