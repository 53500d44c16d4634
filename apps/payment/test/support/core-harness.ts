import { CardSecret } from '@wxpay/card';
import { randomUUID } from 'crypto';
import { Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  type CancelPaymentRequest,
  type CreatePaymentRequest,
  type CreatePaymentResponse,
  type Payment as PaymentMessage,
  type RefundPaymentRequest,
  type RefundPaymentResponse,
  ListReconciliationBreaksRequest,
  type ListReconciliationBreaksResponse,
  type ReconciliationBreak as BreakMessage,
  type ResolveReconciliationBreakRequest,
  type RetryCaptureRequest,
  Scene,
  TradeType,
  Topics,
} from '@wxpay/contracts';
import { checkIdempotencyKey, requestFingerprint, type IdempotentRequest } from '@wxpay/grpc';
import { createMetrics, HealthRegistry, NestPinoLogger } from '@wxpay/observability';
import { IdempotencyStore } from '@wxpay/persistence';
import { DatabaseModule, RuntimeModule } from '@wxpay/runtime';
import { captureLogger, createTestDatabase, type TestDatabase } from '@wxpay/testing';
import {
  type NotificationMeta,
  type VerifiedNotification,
  WechatPayKeyStore,
  WechatPayNotificationParser,
} from '@wxpay/wechatpay';
import { type PaymentConfig, loadConfig, SERVICE_NAME } from '../../src/config';
import { type Payment } from '../../src/domain/payment';
import { inboxEntryOf, type WebhookEndpoint } from '../../src/domain/notification-facts';
import { Janitor } from '../../src/jobs/janitor';
import { WebhookInboxWorker } from '../../src/jobs/webhook-inbox.worker';
import {
  PaymentLifecycleModule,
  ReconciliationModule,
  WebhookInboxModule,
} from '../../src/payment-core.module';
import { type PaymentRunOptions } from '../../src/payment-options';
import { LedgerRepository } from '../../src/persistence/ledger.repository';
import { PAYMENT_MIGRATIONS } from '../../src/persistence/migrations';
import { PaymentRepository } from '../../src/persistence/payment.repository';
import { RefundRepository } from '../../src/persistence/refund.repository';
import { WebhookInboxWriter } from '../../src/persistence/webhook-inbox.writer';
import { CancelPaymentService } from '../../src/use-cases/cancel-payment.service';
import { CreatePaymentService } from '../../src/use-cases/create-payment.service';
import { LIFECYCLE_DEPS, type LifecycleDeps } from '../../src/use-cases/lifecycle/lifecycle-deps';
import { PaymentDriver } from '../../src/use-cases/lifecycle/payment-driver';
import { RefundDriver } from '../../src/use-cases/lifecycle/refund-driver';
import { ReconciliationService } from '../../src/use-cases/reconciliation.service';
import { RefundPaymentService } from '../../src/use-cases/refund-payment.service';
import { ReconciliationBreaksService } from '../../src/use-cases/reconciliation-breaks.service';
import { RetryCaptureService } from '../../src/use-cases/retry-capture.service';
import { FakeChannel, FakeRisk, FakeVault, FakeWechat, TEST_PAN } from './fakes';

/** The calling service the use cases are driven as (what the gRPC edge takes from the client certificate). */
export const CALLER = 'cn:payment-test';
export const TOKEN = 'tok_abcdefghijklmnopqrstuvwxyz';

/** Configuration for tests that do not read any key file (the ports are stand-ins). */
export function testConfig(extra: Record<string, string> = {}): PaymentConfig {
  return loadConfig({
    WECHATPAY_MCHID: '1900000109',
    WECHATPAY_APPID: 'wx8888888888888888',
    WECHATPAY_APIV3_KEY: 'k'.repeat(32),
    WECHATPAY_MERCHANT_KEY_FILE: '/unused/apiclient_key.pem',
    WECHATPAY_MERCHANT_SERIAL: 'ABCDEF0123456789',
    WECHATPAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_0119000001092025111100000000',
    WECHATPAY_PUBLIC_KEY_FILE: '/unused/pub.pem',
    UNIONPAY_ACQUIRER_BUNDLE: '/unused/bundle.json',
    UNIONPAY_SETTLEMENT_URL: 'https://settlement.unused.invalid',
    PAYMENT_JANITOR_INTERVAL_MS: '50',
    PAYMENT_AWAITING_POLL_MS: '100',
    PAYMENT_LEASE_MS: '2000',
    PAYMENT_RECON_AT: 'off',
    ...extra,
  });
}

/**
 * The key, scope and fingerprint of a mutating call, made as the gRPC edge's @Idempotent interceptor makes them
 * (the request without its key, fingerprinted with the RPC's name).
 */
export function idempotentRequest(
  method: 'CreatePayment' | 'RefundPayment' | 'CancelPayment' | 'RetryCapture' | 'ResolveReconciliationBreak',
  request: { idempotency_key: string },
  caller = CALLER,
): IdempotentRequest {
  const { idempotency_key: key, ...rest } = request;
  return {
    caller,
    operation: method,
    key: checkIdempotencyKey(key),
    fingerprint: requestFingerprint(method, rest),
  };
}

@Module({})
class CoreHarnessModule {
  static forRoot(
    options: PaymentRunOptions,
    databaseUrl: string,
    logger: ReturnType<typeof captureLogger>['logger'],
  ): DynamicModule {
    return {
      module: CoreHarnessModule,
      imports: [
        RuntimeModule.forRoot({
          logger,
          metrics: createMetrics({ service: 'payment-test', defaultMetrics: false }),
          health: new HealthRegistry(),
        }),
        DatabaseModule.forRoot({
          service: SERVICE_NAME,
          migrations: PAYMENT_MIGRATIONS,
          url: databaseUrl,
          poolSize: 8,
        }),
        PaymentLifecycleModule.forRoot(options),
        WebhookInboxModule.forRoot(options),
        ReconciliationModule.forRoot(options),
      ],
    };
  }
}

/** The service's parts as the tests reach them (providers of the Nest context). */
export interface PaymentCore {
  deps: LifecycleDeps;
  ledger: LedgerRepository;
  payments: PaymentRepository;
  refunds: RefundRepository;
  idempotency: IdempotencyStore;
  driver: PaymentDriver;
  refundDriver: RefundDriver;
  worker: WebhookInboxWorker;
  janitor: Janitor;
  reconciliation: ReconciliationService;
  /** The Payments use cases, called as the controller calls them. */
  service: {
    create(
      request: CreatePaymentRequest,
      options?: { caller?: string; traceId?: string },
    ): Promise<CreatePaymentResponse>;
    refund(request: RefundPaymentRequest, caller?: string): Promise<RefundPaymentResponse>;
    cancel(request: CancelPaymentRequest, caller?: string): Promise<PaymentMessage>;
    retryCapture(request: RetryCaptureRequest): Promise<PaymentMessage>;
    resolveBreak(request: ResolveReconciliationBreakRequest): Promise<BreakMessage>;
    listBreaks(request: Partial<ListReconciliationBreaksRequest>): Promise<ListReconciliationBreaksResponse>;
  };
}

/**
 * The payment core (the service's own Nest modules, without its gRPC and HTTP edges) on a real PostgreSQL
 * database (its real migrations) with in-memory counterparties: the lifecycle, idempotency, webhook inbox and
 * ledger exercised without Kafka or the simulators.
 */
export class CoreHarness {
  readonly risk = new FakeRisk();
  readonly vault = new FakeVault();
  readonly channel = new FakeChannel();
  readonly wechat = new FakeWechat();
  readonly log = captureLogger('warn');
  core!: PaymentCore;
  db!: TestDatabase;
  private context?: INestApplicationContext;
  private writer!: WebhookInboxWriter;

  static async start(label: string, extra: Record<string, string> = {}): Promise<CoreHarness> {
    const h = new CoreHarness();
    h.db = await createTestDatabase({ migrations: PAYMENT_MIGRATIONS, label });
    h.vault.cards.set(TOKEN, new CardSecret(TEST_PAN, '12', '2030'));
    const options: PaymentRunOptions = {
      config: testConfig(extra),
      tls: { enabled: false },
      background: false,
      ports: {
        risk: h.risk,
        vault: h.vault,
        channel: h.channel,
        wechat: h.wechat,
        tradeBill: h.wechat,
        notifications: new WechatPayNotificationParser({
          apiV3Key: 'k'.repeat(32),
          keyStore: new WechatPayKeyStore(),
        }),
      },
    };
    const context = await NestFactory.createApplicationContext(
      CoreHarnessModule.forRoot(options, h.db.url, h.log.logger),
      { logger: new NestPinoLogger(h.log.logger), abortOnError: false },
    );
    h.context = context;
    const creating = context.get(CreatePaymentService);
    const refunding = context.get(RefundPaymentService);
    const cancelling = context.get(CancelPaymentService);
    const retryingCapture = context.get(RetryCaptureService);
    const breaks = context.get(ReconciliationBreaksService);
    h.core = {
      deps: context.get<LifecycleDeps>(LIFECYCLE_DEPS),
      ledger: context.get(LedgerRepository),
      payments: context.get(PaymentRepository),
      refunds: context.get(RefundRepository),
      idempotency: context.get(IdempotencyStore),
      driver: context.get(PaymentDriver),
      refundDriver: context.get(RefundDriver),
      worker: context.get(WebhookInboxWorker),
      janitor: context.get(Janitor),
      reconciliation: context.get(ReconciliationService),
      service: {
        create: (r, o = {}) =>
          creating.create(r, idempotentRequest('CreatePayment', r, o.caller), o.traceId ?? randomUUID()),
        refund: (r, caller) => refunding.refund(r, idempotentRequest('RefundPayment', r, caller)),
        cancel: (r, caller) => cancelling.cancel(r, idempotentRequest('CancelPayment', r, caller)),
        retryCapture: (r) => retryingCapture.retry(r, idempotentRequest('RetryCapture', r)),
        resolveBreak: (r) => breaks.resolve(r, idempotentRequest('ResolveReconciliationBreak', r)),
        listBreaks: (r) => breaks.list(ListReconciliationBreaksRequest.fromPartial(r)),
      },
    };
    h.core.deps.settings.retryDelayMs = 50;
    h.writer = new WebhookInboxWriter(h.db.dataSource);
    return h;
  }

  async stop(): Promise<void> {
    await this.context?.close();
    await this.db.drop();
  }

  /** A provider of the service's context, for a test that builds a second instance of a part beside it. */
  get<T>(type: Type<T>): T {
    return this.context!.get(type);
  }

  get ds() {
    return this.db.dataSource;
  }

  /** A CreatePayment request as a bank channel sends it (JSAPI, CNY 10.00), with the given fields changed. */
  input(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
    return {
      idempotency_key: randomUUID(),
      card_token: TOKEN,
      amount: { amount_minor: '1000', currency: 'CNY' },
      merchant_id: 'm-coffee',
      mcc: '5814',
      scene: Scene.ONLINE,
      trade_type: TradeType.JSAPI,
      payer: { openid: 'oPayer000000000000000000001', ip: '203.0.113.7' },
      device: { device_id: 'dev-1' },
      description: 'coffee',
      ...overrides,
    };
  }

  /** CNY minor units as the request carries them. */
  static cny(minor: number): { amount_minor: string; currency: string } {
    return { amount_minor: String(minor), currency: 'CNY' };
  }

  async create(overrides: Partial<CreatePaymentRequest> = {}): Promise<PaymentMessage> {
    return (await this.core.service.create(this.input(overrides))).payment!;
  }

  async payment(id: string): Promise<Payment> {
    return (await this.core.payments.find(this.ds, id))!;
  }

  /** Stores a verified notification as the webhook would, then lets the worker apply what is due. */
  async notify(n: VerifiedNotification, endpoint: WebhookEndpoint = 'transactions'): Promise<string> {
    const outcome = await this.writer.store(inboxEntryOf(n, endpoint, new Date()));
    await this.core.worker.drainOnce();
    return outcome;
  }

  async events(paymentId: string): Promise<string[]> {
    const rows: { type: string }[] = await this.ds.query(
      `SELECT envelope->>'type' AS type FROM outbox_event
        WHERE topic = $1 AND message_key = $2 ORDER BY seq`,
      [Topics.paymentsLifecycle.name, paymentId],
    );
    return rows.map((r) => r.type);
  }

  /** Each transition's target and who made it. */
  async history(paymentId: string): Promise<{ to: string; actor: string; reason: string | null }[]> {
    return this.ds.query(
      `SELECT to_status AS to, actor, reason FROM payment_transition WHERE payment_id = $1 ORDER BY id`,
      [paymentId],
    );
  }

  async statusChanges(paymentId: string): Promise<string[]> {
    const rows: { to_status: string }[] = await this.ds.query(
      `SELECT to_status FROM payment_transition WHERE payment_id = $1 ORDER BY id`,
      [paymentId],
    );
    return rows.map((r) => r.to_status);
  }
}

const meta = (id: string, eventType: string): NotificationMeta => ({
  id,
  createTime: '2026-11-25T21:49:36+08:00',
  eventType,
  summary: undefined,
  originalType: undefined,
  serial: 'PUB_KEY_ID_0119000001092025111100000000',
  keyKind: 'public-key',
  timestamp: Math.floor(Date.now() / 1000),
  nonce: 'n'.repeat(32),
});

export function transactionSuccess(
  outTradeNo: string,
  total: number,
  id = randomUUID(),
): VerifiedNotification {
  return {
    kind: 'transaction',
    eventType: 'TRANSACTION.SUCCESS',
    meta: meta(id, 'TRANSACTION.SUCCESS'),
    transaction: {
      appid: 'wx8888888888888888',
      mchid: '1900000109',
      out_trade_no: outTradeNo,
      transaction_id: `4200${Date.now()}`,
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      amount: { total, payer_total: total, currency: 'CNY' },
    },
  };
}

export function refundNotice(
  outTradeNo: string,
  outRefundNo: string,
  refund: number,
  status: 'SUCCESS' | 'CLOSED' | 'ABNORMAL',
  id = randomUUID(),
): VerifiedNotification {
  return {
    kind: 'refund',
    eventType: `REFUND.${status}`,
    meta: meta(id, `REFUND.${status}`),
    refund: {
      mchid: '1900000109',
      transaction_id: '4200',
      out_trade_no: outTradeNo,
      refund_id: `5030${outRefundNo}`,
      out_refund_no: outRefundNo,
      refund_status: status,
      amount: { total: 1000, refund },
    },
  };
}
