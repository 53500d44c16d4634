import {
  CreateMessagingTables1732500000000,
  OutboxPendingOnly1734200000000,
  OutboxTraceparent1734100000000,
} from '@wxpay/messaging';
import { CreateRiskTables1732600000000 } from './risk-schema.migration';

export const RISK_MIGRATIONS = [
  CreateMessagingTables1732500000000,
  CreateRiskTables1732600000000,
  OutboxTraceparent1734100000000,
  OutboxPendingOnly1734200000000,
];
