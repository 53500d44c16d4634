import { type Logger, type Metrics } from '@wxpay/observability';
import { type WechatPayNotificationParser } from '@wxpay/wechatpay';
import { type DataSource } from 'typeorm';
import { type PaymentConfig } from './config';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { type IdempotencyDeps } from './use-cases/idempotent-call';
import { Janitor } from './jobs/janitor';
import { LedgerService } from './persistence/ledger.repository';
import { type LifecycleDeps } from './use-cases/lifecycle/lifecycle-deps';
import { PaymentDriver } from './use-cases/lifecycle/payment-driver';
import { PaymentWriter } from './use-cases/lifecycle/payment-writer';
import { PaymentsService } from './use-cases/create-payment.service';
import { RefundDriver } from './use-cases/lifecycle/refund-driver';
import { PaymentMetrics } from './payment-metrics';
import { PaymentRepository } from './persistence/payment.repository';
import { RefundRepository } from './persistence/refund.repository';
import { ReconciliationScheduler } from './jobs/reconciliation-scheduler';
import { ReconciliationService } from './use-cases/reconciliation.service';
import { NotificationApplier } from './use-cases/webhooks/notification-applier';
import { WebhookInboxWorker } from './jobs/webhook-inbox.worker';
import { WebhookInboxWriter } from './persistence/webhook-inbox.writer';
import { WebhookIntake } from './use-cases/webhooks/webhook-intake.service';
import { type PaymentPorts } from './composition/payment-ports';

/** Everything the service is made of, wired once; the Nest module and the tests both build it here. */
export interface PaymentCore {
  deps: LifecycleDeps;
  metrics: PaymentMetrics;
  ledger: LedgerService;
  payments: PaymentRepository;
  refunds: RefundRepository;
  idempotency: IdempotencyRepository;
  driver: PaymentDriver;
  refundDriver: RefundDriver;
  service: PaymentsService;
  intake: WebhookIntake;
  worker: WebhookInboxWorker;
  janitor: Janitor;
  reconciliation: ReconciliationService;
  scheduler: ReconciliationScheduler;
}

export interface PaymentCoreInput {
  ds: DataSource;
  config: PaymentConfig;
  ports: PaymentPorts;
  parser: WechatPayNotificationParser;
  logger: Logger;
  metrics: Metrics;
}

export function createPaymentCore(i: PaymentCoreInput): PaymentCore {
  const { ds, config, ports, logger } = i;
  const metrics = new PaymentMetrics(i.metrics);
  const payments = new PaymentRepository();
  const refunds = new RefundRepository();
  const ledger = new LedgerService();
  const idempotency = new IdempotencyRepository();
  const writer = new PaymentWriter(ds, payments, ledger, (from, to) => metrics.transitions.inc({ from, to }));
  const deps: LifecycleDeps = {
    ds,
    payments,
    refunds,
    writer,
    ledger,
    risk: ports.risk,
    vault: ports.vault,
    channel: ports.channel,
    wechat: ports.wechat,
    logger,
    metrics,
    settings: {
      riskDeadlineMs: config.RISK_DEADLINE_MS,
      riskUnavailablePolicy: config.RISK_UNAVAILABLE_POLICY,
      orderTtlSeconds: config.PAYMENT_ORDER_TTL_SECONDS,
      awaitingPollMs: config.PAYMENT_AWAITING_POLL_MS,
      leaseMs: config.PAYMENT_LEASE_MS,
      retryDelayMs: Math.max(200, config.PAYMENT_JANITOR_INTERVAL_MS),
    },
  };
  const idem: IdempotencyDeps = { ds, records: idempotency, metrics, leaseMs: config.PAYMENT_LEASE_MS };
  const driver = new PaymentDriver(deps);
  const refundDriver = new RefundDriver(deps);
  const service = new PaymentsService(deps, idem, driver, refundDriver);
  const intake = new WebhookIntake(
    i.parser,
    // Two writes in flight: notifications arriving meanwhile wait for the next, larger batch, which costs less
    // per notification (in this process and in PostgreSQL) than more, smaller statements.
    new WebhookInboxWriter(ds, { maxConcurrent: 2 }),
    metrics,
    logger,
  );
  const worker = new WebhookInboxWorker(
    ds,
    new NotificationApplier(deps),
    driver,
    refundDriver,
    metrics,
    logger,
    { concurrency: config.PAYMENT_WEBHOOK_WORKERS },
  );
  const janitor = new Janitor(ds, payments, refunds, driver, refundDriver, idempotency, logger, {
    intervalMs: config.PAYMENT_JANITOR_INTERVAL_MS,
    idempotencyRetentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
  });
  const reconciliation = new ReconciliationService(
    ds,
    payments,
    ports.channel,
    ports.tradeBill,
    metrics,
    logger,
  );
  const scheduler = new ReconciliationScheduler(reconciliation, config.PAYMENT_RECON_AT, logger);
  return {
    deps,
    metrics,
    ledger,
    payments,
    refunds,
    idempotency,
    driver,
    refundDriver,
    service,
    intake,
    worker,
    janitor,
    reconciliation,
    scheduler,
  };
}
