import { CreateMessagingTables1732500000000 } from './messaging-tables.migration';
import { OutboxPendingOnly1734200000000 } from './outbox-pending-only.migration';
import { OutboxTraceparent1734100000000 } from './outbox-traceparent.migration';

/** The outbox and inbox tables as they are now, for databases that carry nothing else (tests, benchmarks). */
export const MESSAGING_MIGRATIONS = [
  CreateMessagingTables1732500000000,
  OutboxTraceparent1734100000000,
  OutboxPendingOnly1734200000000,
];
