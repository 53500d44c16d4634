import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type PaymentSettings } from '../../payment-settings';
import { type LedgerRepository } from '../../persistence/ledger.repository';
import { type PaymentMetrics } from '../../payment-metrics';
import { type PaymentRepository } from '../../persistence/payment.repository';
import { type RefundRepository } from '../../persistence/refund.repository';
import { type ChannelPort } from '../../ports/channel.port';
import { type RiskPort } from '../../ports/risk.port';
import { type VaultPort } from '../../ports/vault.port';
import { type WechatPayPort } from '../../ports/wechatpay.port';
import { type PaymentWriter } from './payment-writer';

/** What the lifecycle's drivers and steps share (one provider, assembled by PaymentCoreModule). */
export const LIFECYCLE_DEPS = Symbol('LIFECYCLE_DEPS');

/** Everything the lifecycle steps use; assembled once by the Nest module (or by a unit test with stand-ins). */
export interface LifecycleDeps {
  ds: DataSource;
  payments: PaymentRepository;
  refunds: RefundRepository;
  writer: PaymentWriter;
  ledger: LedgerRepository;
  risk: RiskPort;
  vault: VaultPort;
  channel: ChannelPort;
  wechat: WechatPayPort;
  settings: PaymentSettings;
  logger: Logger;
  metrics: PaymentMetrics;
}
