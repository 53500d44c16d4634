import { randomUUID } from 'crypto';
import { createMetrics } from '@wxpay/observability';
import { captureLogger, createTestDatabase, type TestDatabase } from '@wxpay/testing';
import {
  type NotificationMeta,
  type VerifiedNotification,
  WechatPayKeyStore,
  WechatPayNotificationParser,
} from '@wxpay/wechatpay';
import { type PaymentConfig, loadConfig } from '../../src/config';
import { createPaymentCore, type PaymentCore } from '../../src/payment-core.module';
import { type Payment } from '../../src/domain/payment';
import { type CreatePaymentInput } from '../../src/use-cases/create-payment.service';
import { PAYMENT_MIGRATIONS } from '../../src/persistence/migrations';
import { CardSecret } from '../../src/ports/vault.port';
import { inboxEntryOf, type WebhookEndpoint } from '../../src/domain/notification-facts';
import { WebhookInboxWriter } from '../../src/persistence/webhook-inbox.writer';
import { FakeChannel, FakeRisk, FakeVault, FakeWechat, TEST_PAN } from './fakes';

/** The calling service the use cases are driven as (what the gRPC layer takes from the client certificate). */
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
    PAYMENT_JANITOR_INTERVAL_MS: '50',
    PAYMENT_AWAITING_POLL_MS: '100',
    PAYMENT_LEASE_MS: '2000',
    PAYMENT_RECON_AT: 'off',
    ...extra,
  });
}

/**
 * The payment core on a real PostgreSQL database (its real migrations) with in-memory counterparties: the
 * lifecycle, idempotency, webhook inbox and ledger exercised without Kafka or the simulators.
 */
export class CoreHarness {
  readonly risk = new FakeRisk();
  readonly vault = new FakeVault();
  readonly channel = new FakeChannel();
  readonly wechat = new FakeWechat();
  readonly log = captureLogger('warn');
  core!: PaymentCore;
  db!: TestDatabase;
  private writer!: WebhookInboxWriter;

  static async start(label: string, extra: Record<string, string> = {}): Promise<CoreHarness> {
    const h = new CoreHarness();
    h.db = await createTestDatabase({ migrations: PAYMENT_MIGRATIONS, label });
    h.vault.cards.set(TOKEN, new CardSecret(TEST_PAN, '12', '2030'));
    const config = testConfig(extra);
    h.core = createPaymentCore({
      ds: h.db.dataSource,
      config,
      ports: { risk: h.risk, vault: h.vault, channel: h.channel, wechat: h.wechat, tradeBill: h.wechat },
      parser: new WechatPayNotificationParser({
        apiV3Key: 'k'.repeat(32),
        keyStore: new WechatPayKeyStore(),
      }),
      logger: h.log.logger,
      metrics: createMetrics({ service: 'payment-test', defaultMetrics: false }),
    });
    h.core.deps.settings.retryDelayMs = 50;
    h.writer = new WebhookInboxWriter(h.db.dataSource);
    return h;
  }

  async stop(): Promise<void> {
    await this.db.drop();
  }

  get ds() {
    return this.db.dataSource;
  }

  input(overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
    return {
      caller: CALLER,
      idempotencyKey: randomUUID(),
      cardToken: TOKEN,
      amountMinor: 1000,
      currency: 'CNY',
      merchantId: 'm-coffee',
      mcc: '5814',
      scene: 'ONLINE',
      tradeType: 'JSAPI',
      payerOpenid: 'oPayer000000000000000000001',
      payerIp: '203.0.113.7',
      deviceId: 'dev-1',
      description: 'coffee',
      traceId: randomUUID(),
      ...overrides,
    };
  }

  async create(overrides: Partial<CreatePaymentInput> = {}): Promise<Record<string, unknown>> {
    return (await this.core.service.create(this.input(overrides))).payment as Record<string, unknown>;
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
        WHERE topic = 'payments.lifecycle.v1' AND message_key = $1 ORDER BY seq`,
      [paymentId],
    );
    return rows.map((r) => r.type);
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
