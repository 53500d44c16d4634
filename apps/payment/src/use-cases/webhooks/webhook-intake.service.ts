import { type Logger } from '@wxpay/observability';
import { isVerificationError, type HeaderSource, type WechatPayNotificationParser } from '@wxpay/wechatpay';
import { type PaymentMetrics } from '../../payment-metrics';
import { inboxEntryOf, type WebhookEndpoint } from '../../domain/notification-facts';
import { type StoreOutcome } from '../../persistence/webhook-inbox.writer';

export interface WebhookAnswer {
  status: number;
  body?: { code: 'FAIL'; message: string };
}

export interface InboxStore {
  store(entry: ReturnType<typeof inboxEntryOf>): Promise<StoreOutcome>;
}

/** Codes that mean the signature itself is in question (401); the rest are malformed or foreign messages (400). */
const SIGNATURE_CODES = new Set([
  'MISSING_HEADER',
  'MALFORMED_HEADER',
  'STALE_TIMESTAMP',
  'FUTURE_TIMESTAMP',
  'SIGNTEST_PROBE',
  'UNKNOWN_SERIAL',
  'BAD_SIGNATURE',
]);

/**
 * A WeChat Pay notification from raw bytes to an answer: verify (signature, timestamp window, probe, key by
 * serial) and decrypt (AES-GCM tag checked) with libs/wechatpay, store the facts durably, answer 204. Anything
 * that fails verification changes nothing (a log line and a metric only) and is answered 4xx so WeChat Pay
 * re-delivers; a failure to store is answered 5xx for the same reason. Processing happens later, off the
 * request (the inbox worker), so the answer stays far inside WeChat Pay's 5-second deadline.
 */
export class WebhookIntake {
  constructor(
    private readonly parser: WechatPayNotificationParser,
    private readonly inbox: InboxStore,
    private readonly metrics: PaymentMetrics,
    private readonly logger: Logger,
  ) {}

  /** `body`: the JSON the HTTP framework parsed from exactly `rawBody`, when it did (not parsed again). */
  async handle(
    endpoint: WebhookEndpoint,
    headers: HeaderSource,
    rawBody: Buffer | undefined,
    body?: unknown,
  ): Promise<WebhookAnswer> {
    const timer = this.metrics.webhookAnswerSeconds.startTimer({ endpoint });
    try {
      return await this.answer(endpoint, headers, rawBody, body);
    } finally {
      timer();
    }
  }

  private async answer(
    endpoint: WebhookEndpoint,
    headers: HeaderSource,
    raw: Buffer | undefined,
    body: unknown,
  ): Promise<WebhookAnswer> {
    if (!raw || raw.length === 0) return this.refuse(endpoint, 'NO_BODY', 400);
    let notification;
    try {
      notification = await this.parser.parse(headers, raw, body);
    } catch (e) {
      if (!isVerificationError(e)) {
        this.logger.error(
          { endpoint, error: e instanceof Error ? e.name : 'unknown' },
          'notification check failed',
        );
        return this.fail(endpoint, 'store_failed', 500, 'internal error');
      }
      return this.refuse(endpoint, e.code, SIGNATURE_CODES.has(e.code) ? 401 : 400, e.context);
    }
    const entry = inboxEntryOf(notification, endpoint, new Date());
    let outcome: StoreOutcome;
    try {
      outcome = await this.inbox.store(entry);
    } catch (e) {
      this.logger.error(
        { endpoint, notificationId: entry.notificationId, error: e instanceof Error ? e.message : 'unknown' },
        'could not store a verified notification; WeChat Pay will re-deliver it',
      );
      return this.fail(endpoint, 'store_failed', 500, 'temporarily unable to accept');
    }
    this.metrics.webhookNotifications.inc({ endpoint, outcome });
    this.logger.debug(
      { endpoint, notificationId: entry.notificationId, eventType: entry.eventType, outcome },
      'notification accepted',
    );
    return { status: 204 };
  }

  /** A request refused before its body was read as a notification (wrong type): counted and logged the same. */
  refuseUnread(endpoint: WebhookEndpoint, status: number, code: string): WebhookAnswer {
    return this.refuse(endpoint, code, status);
  }

  private refuse(
    endpoint: WebhookEndpoint,
    code: string,
    status: number,
    context: Readonly<Record<string, string | number>> = {},
  ): WebhookAnswer {
    this.metrics.webhookRejected.inc({ endpoint, code });
    this.logger.warn({ endpoint, code, ...context }, 'notification refused: verification failed');
    return this.fail(endpoint, 'rejected', status, 'verification failed');
  }

  private fail(endpoint: WebhookEndpoint, outcome: string, status: number, message: string): WebhookAnswer {
    this.metrics.webhookNotifications.inc({ endpoint, outcome });
    return { status, body: { code: 'FAIL', message } };
  }
}
