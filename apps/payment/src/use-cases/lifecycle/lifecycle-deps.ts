import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type RiskUnavailablePolicy } from '../../config';
import { type LedgerService } from '../../persistence/ledger.repository';
import { type PaymentMetrics } from '../../payment-metrics';
import { type PaymentRepository } from '../../persistence/payment.repository';
import { type RefundRepository } from '../../persistence/refund.repository';
import { type ChannelPort } from '../../ports/channel.port';
import { type RiskPort } from '../../ports/risk.port';
import { type VaultPort } from '../../ports/vault.port';
import { type WechatPayPort } from '../../ports/wechatpay.port';
import { type PaymentWriter } from './payment-writer';

export interface LifecycleSettings {
  riskDeadlineMs: number;
  riskUnavailablePolicy: RiskUnavailablePolicy;
  orderTtlSeconds: number;
  /** How long a payment waits for its payer before the order is queried. */
  awaitingPollMs: number;
  /** How long one actor may drive a payment before another may take over. */
  leaseMs: number;
  /** Delay before asking a counterparty again after it did not answer. */
  retryDelayMs: number;
}

/** Everything the lifecycle steps use; assembled once by the Nest module (or by a unit test with stand-ins). */
export interface LifecycleDeps {
  ds: DataSource;
  payments: PaymentRepository;
  refunds: RefundRepository;
  writer: PaymentWriter;
  ledger: LedgerService;
  risk: RiskPort;
  vault: VaultPort;
  channel: ChannelPort;
  wechat: WechatPayPort;
  settings: LifecycleSettings;
  logger: Logger;
  metrics: PaymentMetrics;
}
