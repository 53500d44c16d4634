import {
  CreateMessagingTables1732500000000,
  OutboxPendingOnly1734200000000,
  OutboxTraceparent1734100000000,
} from '@wxpay/messaging';
import { UnionPayRequestLogMigration1732700000000 } from '@wxpay/unionpay';
import { CreateRepaymentTables1732800000000 } from './create-repayment-tables.migration';
import { UnifyIdempotencyRecords1733600000000 } from './unify-idempotency-records.migration';
import { ClaimScheduledJobs1734310000000 } from './claim-scheduled-jobs.migration';

export const REPAYMENT_MIGRATIONS = [
  CreateMessagingTables1732500000000,
  UnionPayRequestLogMigration1732700000000,
  CreateRepaymentTables1732800000000,
  UnifyIdempotencyRecords1733600000000,
  OutboxTraceparent1734100000000,
  OutboxPendingOnly1734200000000,
  ClaimScheduledJobs1734310000000,
];
