import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type AuditLog } from './persistence/audit-log';
import { type BinTable } from './domain/bin-table';
import { type CardLookup } from './persistence/card-lookup';
import { type DekCache } from './crypto/dek-cache';
import { type KeyRing } from './keys/key-ring';

/** What the vault's services share (one provider, assembled by VaultCoreModule). */
export const VAULT_DEPS = Symbol('VAULT_DEPS');

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

/** Who is calling, for the audit log and events: `cn:<client-certificate CN>`, `plaintext` without TLS. */
export interface Caller {
  actor: string;
  traceId: string;
}
