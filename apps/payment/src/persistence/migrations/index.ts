import {
  CreateMessagingTables1732500000000,
  OutboxPendingOnly1734200000000,
  OutboxTraceparent1734100000000,
} from '@wxpay/messaging';
import { UnionPayRequestLogMigration1732700000000 } from '@wxpay/unionpay';
import { CreateLedger1732600000001 } from './create-ledger.migration';
import { CreateChannelLinks1732700000100 } from './create-channel-links.migration';
import { CreatePaymentTables1732600000000 } from './create-payment-tables.migration';
import { ScopeIdempotencyByCaller1732800000000 } from './scope-idempotency-by-caller.migration';
import { UnifyIdempotencyRecords1733500000100 } from './unify-idempotency-records.migration';
import { KeyTransactionNoticesByState1733600000000 } from './key-transaction-notices-by-state.migration';
import { RecordBreakResolutions1733700000000 } from './record-break-resolutions.migration';
import { TracePayments1734100000100 } from './trace-payments.migration';
import { ScheduleReconciliationRuns1734310000000 } from './schedule-reconciliation-runs.migration';

/**
 * The payment service's migrations, in order: the shared outbox/inbox tables, our tables, and the UnionPay
 * channel client's write-ahead request log (it lives in the database of the service that uses the channel).
 */
export const PAYMENT_MIGRATIONS = [
  CreateMessagingTables1732500000000,
  CreatePaymentTables1732600000000,
  CreateLedger1732600000001,
  UnionPayRequestLogMigration1732700000000,
  CreateChannelLinks1732700000100,
  ScopeIdempotencyByCaller1732800000000,
  UnifyIdempotencyRecords1733500000100,
  KeyTransactionNoticesByState1733600000000,
  RecordBreakResolutions1733700000000,
  OutboxTraceparent1734100000000,
  TracePayments1734100000100,
  OutboxPendingOnly1734200000000,
  ScheduleReconciliationRuns1734310000000,
];
