import { CreateMessagingTables1732500000000 } from '@wxpay/messaging';
import { UnionPayRequestLogMigration1732700000000 } from '@wxpay/unionpay';
import { CreateRepaymentTables1732800000000 } from './create-repayment-tables.migration';

export const REPAYMENT_MIGRATIONS = [
  CreateMessagingTables1732500000000,
  UnionPayRequestLogMigration1732700000000,
  CreateRepaymentTables1732800000000,
];
