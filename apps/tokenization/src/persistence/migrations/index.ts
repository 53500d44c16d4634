import {
  CreateMessagingTables1732500000000,
  OutboxPendingOnly1734200000000,
  OutboxTraceparent1734100000000,
} from '@wxpay/messaging';
import { CreateVaultTables1732600000000 } from './create-vault-tables.migration';
import { KeyAuditChain1734000000000 } from './key-audit-chain.migration';
import { SealExpiryWithPan1733800000000 } from './seal-expiry-with-pan.migration';
import { UnifyIdempotencyRecords1733400000000 } from './unify-idempotency-records.migration';
import { VersionFingerprintKeys1733900000000 } from './version-fingerprint-keys.migration';

/** In order: the shared outbox/inbox tables first, then the vault's own. */
export const VAULT_MIGRATIONS = [
  CreateMessagingTables1732500000000,
  CreateVaultTables1732600000000,
  UnifyIdempotencyRecords1733400000000,
  SealExpiryWithPan1733800000000,
  VersionFingerprintKeys1733900000000,
  KeyAuditChain1734000000000,
  OutboxTraceparent1734100000000,
  OutboxPendingOnly1734200000000,
];
