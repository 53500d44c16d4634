import { Module, type DynamicModule } from '@nestjs/common';
import { type Logger, type Metrics } from '@wxpay/observability';
import { IdempotencyStore } from '@wxpay/persistence';
import { DATA_SOURCE, LOGGER, METRICS } from '@wxpay/runtime';
import { type WechatPayNotificationParser } from '@wxpay/wechatpay';
import { type DataSource } from 'typeorm';
import { CounterpartiesModule } from './counterparties.module';
import { Janitor } from './jobs/janitor';
import { ReconciliationScheduler } from './jobs/reconciliation-scheduler';
import { WebhookInboxWorker } from './jobs/webhook-inbox.worker';
import { once, type PaymentRunOptions } from './payment-options';
import { PaymentMetrics } from './payment-metrics';
import { PAYMENT_SETTINGS, paymentSettingsOf, type PaymentSettings } from './payment-settings';
import { LedgerRepository } from './persistence/ledger.repository';
import { PaymentRepository } from './persistence/payment.repository';
import { ReconciliationRepository } from './persistence/reconciliation.repository';
import { RefundRepository } from './persistence/refund.repository';
import { WebhookInboxRepository } from './persistence/webhook-inbox.repository';
import { WebhookInboxWriter } from './persistence/webhook-inbox.writer';
import { CHANNEL_PORT, type ChannelPort } from './ports/channel.port';
import { NOTIFICATION_PARSER } from './ports/payment-ports';
import { RISK_PORT, type RiskPort } from './ports/risk.port';
import { VAULT_PORT, type VaultPort } from './ports/vault.port';
import { WECHATPAY_PORT, type WechatPayPort } from './ports/wechatpay.port';
import { CancelPaymentService } from './use-cases/cancel-payment.service';
import { ReconciliationBreaksService } from './use-cases/reconciliation-breaks.service';
import { RetryCaptureService } from './use-cases/retry-capture.service';
import { CreatePaymentService } from './use-cases/create-payment.service';
import { IdempotentCalls } from './use-cases/idempotent-call';
import { LedgerCheckService } from './use-cases/ledger-check.service';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './use-cases/lifecycle/lifecycle-deps';
import { PaymentDriver } from './use-cases/lifecycle/payment-driver';
import { PaymentWriter } from './use-cases/lifecycle/payment-writer';
import { RefundDriver } from './use-cases/lifecycle/refund-driver';
import { PaymentQueryService } from './use-cases/payment-query.service';
import { ReconciliationService } from './use-cases/reconciliation.service';
import { RefundPaymentService } from './use-cases/refund-payment.service';
import { NotificationApplier } from './use-cases/webhooks/notification-applier';
import { WebhookIntake } from './use-cases/webhooks/webhook-intake.service';

/**
 * The payment lifecycle and the ledger: repositories, the writer every transition goes through, the drivers
 * (the caller's request, the webhook worker and the janitor run the same ones) and the Payments use cases.
 */
@Module({})
export class PaymentLifecycleModule {
  /** One instance per options, however many modules import it (Nest tells dynamic modules apart by reference). */
  static forRoot(options: PaymentRunOptions): DynamicModule {
    return once(PaymentLifecycleModule, options, () => PaymentLifecycleModule.build(options));
  }

  private static build(options: PaymentRunOptions): DynamicModule {
    const { config } = options;
    return {
      module: PaymentLifecycleModule,
      imports: [CounterpartiesModule.forRoot(options)],
      providers: [
        { provide: PAYMENT_SETTINGS, useFactory: () => paymentSettingsOf(config) },
        { provide: PaymentMetrics, inject: [METRICS], useFactory: (m: Metrics) => new PaymentMetrics(m) },
        PaymentRepository,
        RefundRepository,
        LedgerRepository,
        {
          provide: PaymentWriter,
          inject: [DATA_SOURCE, PaymentRepository, LedgerRepository, PaymentMetrics],
          useFactory: (ds: DataSource, p: PaymentRepository, l: LedgerRepository, metrics: PaymentMetrics) =>
            new PaymentWriter(ds, p, l, (from, to) => metrics.transitions.inc({ from, to })),
        },
        {
          provide: LIFECYCLE_DEPS,
          inject: [
            DATA_SOURCE,
            PaymentRepository,
            RefundRepository,
            PaymentWriter,
            LedgerRepository,
            RISK_PORT,
            VAULT_PORT,
            CHANNEL_PORT,
            WECHATPAY_PORT,
            PAYMENT_SETTINGS,
            LOGGER,
            PaymentMetrics,
          ],
          useFactory: (
            ds: DataSource,
            payments: PaymentRepository,
            refunds: RefundRepository,
            writer: PaymentWriter,
            ledger: LedgerRepository,
            risk: RiskPort,
            vault: VaultPort,
            channel: ChannelPort,
            wechat: WechatPayPort,
            settings: PaymentSettings,
            logger: Logger,
            metrics: PaymentMetrics,
          ): LifecycleDeps => ({
            ds,
            payments,
            refunds,
            writer,
            ledger,
            risk,
            vault,
            channel,
            wechat,
            settings,
            logger,
            metrics,
          }),
        },
        PaymentDriver,
        RefundDriver,
        IdempotentCalls,
        PaymentQueryService,
        CreatePaymentService,
        RefundPaymentService,
        CancelPaymentService,
        RetryCaptureService,
        LedgerCheckService,
        {
          provide: Janitor,
          inject: [
            DATA_SOURCE,
            PaymentRepository,
            RefundRepository,
            PaymentDriver,
            RefundDriver,
            IdempotencyStore,
            LOGGER,
          ],
          useFactory: (
            ds: DataSource,
            payments: PaymentRepository,
            refunds: RefundRepository,
            driver: PaymentDriver,
            refundDriver: RefundDriver,
            idempotency: IdempotencyStore,
            logger: Logger,
          ) =>
            new Janitor(ds, payments, refunds, driver, refundDriver, idempotency, logger, {
              intervalMs: config.PAYMENT_JANITOR_INTERVAL_MS,
              idempotencyRetentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
            }),
        },
      ],
      exports: [
        CounterpartiesModule,
        PAYMENT_SETTINGS,
        PaymentMetrics,
        PaymentRepository,
        RefundRepository,
        LedgerRepository,
        LIFECYCLE_DEPS,
        PaymentDriver,
        RefundDriver,
        PaymentQueryService,
        CreatePaymentService,
        RefundPaymentService,
        CancelPaymentService,
        RetryCaptureService,
        LedgerCheckService,
        Janitor,
      ],
    };
  }
}

/**
 * WeChat Pay's notifications: the intake (verify, decrypt, store durably, answer), the inbox and the worker that
 * applies each stored notification to its payment or refund and publishes its facts.
 */
@Module({})
export class WebhookInboxModule {
  static forRoot(options: PaymentRunOptions): DynamicModule {
    return {
      module: WebhookInboxModule,
      imports: [PaymentLifecycleModule.forRoot(options)],
      providers: [
        NotificationApplier,
        WebhookInboxRepository,
        {
          provide: WebhookInboxWriter,
          inject: [DATA_SOURCE],
          // Two writes in flight: notifications arriving meanwhile wait for the next, larger batch, which costs
          // less per notification (in this process and in PostgreSQL) than more, smaller statements.
          useFactory: (ds: DataSource) => new WebhookInboxWriter(ds, { maxConcurrent: 2 }),
        },
        {
          provide: WebhookIntake,
          inject: [NOTIFICATION_PARSER, WebhookInboxWriter, PaymentMetrics, LOGGER],
          useFactory: (
            parser: WechatPayNotificationParser,
            writer: WebhookInboxWriter,
            metrics: PaymentMetrics,
            logger: Logger,
          ) => new WebhookIntake(parser, writer, metrics, logger),
        },
        {
          provide: WebhookInboxWorker,
          inject: [
            DATA_SOURCE,
            WebhookInboxRepository,
            NotificationApplier,
            PaymentDriver,
            RefundDriver,
            PaymentMetrics,
            LOGGER,
          ],
          useFactory: (
            ds: DataSource,
            inbox: WebhookInboxRepository,
            applier: NotificationApplier,
            driver: PaymentDriver,
            refundDriver: RefundDriver,
            metrics: PaymentMetrics,
            logger: Logger,
          ) =>
            new WebhookInboxWorker(ds, inbox, applier, driver, refundDriver, metrics, logger, {
              concurrency: options.config.PAYMENT_WEBHOOK_WORKERS,
            }),
        },
      ],
      exports: [PaymentLifecycleModule, WebhookIntake, WebhookInboxWorker],
    };
  }
}

/** Daily reconciliation of the ledger against the UnionPay settlement file and WeChat Pay's view. */
@Module({})
export class ReconciliationModule {
  static forRoot(options: PaymentRunOptions): DynamicModule {
    return {
      module: ReconciliationModule,
      imports: [PaymentLifecycleModule.forRoot(options)],
      providers: [
        {
          provide: ReconciliationRepository,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => new ReconciliationRepository(ds),
        },
        ReconciliationService,
        ReconciliationBreaksService,
        {
          provide: ReconciliationScheduler,
          inject: [ReconciliationService, ReconciliationRepository, LOGGER],
          useFactory: (service: ReconciliationService, runs: ReconciliationRepository, logger: Logger) =>
            new ReconciliationScheduler(service, runs, options.config.PAYMENT_RECON_AT, logger),
        },
      ],
      exports: [ReconciliationService, ReconciliationBreaksService, ReconciliationScheduler],
    };
  }
}
