import { Catch, HttpException, Inject, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { type Logger } from '@wxpay/observability';
import { LOGGER } from '@wxpay/runtime';
import { PaymentMetrics } from '../payment-metrics';

export const WEBHOOK_PREFIX = '/notify/wechatpay/';

/** The status a framework error carries (body parsing: 400 not JSON, 413 too large, 415 charset/encoding). */
function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const e = exception as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : e?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/** Why a body was refused before the handler ran, for the log and the metric. */
function codeOf(status: number): string {
  if (status === 413) return 'BODY_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 408) return 'BODY_TIMEOUT';
  return 'NOT_JSON';
}

/**
 * What WeChat Pay reads back from a webhook refused before its handler ran (a body that is not JSON, too large,
 * in another charset or compressed): its 4xx with WeChat Pay's {"code":"FAIL","message":…} body, counted and
 * logged like any refused notification. Anything else is a 500 with the same body shape. Other routes keep
 * Nest's own answers.
 */
@Catch()
export class WebhookErrorFilter extends BaseExceptionFilter {
  constructor(
    private readonly metrics: PaymentMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly http: HttpAdapterHost,
  ) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const adapter = this.http.httpAdapter;
    const ctx = host.switchToHttp();
    const url = host.getType() === 'http' ? String(adapter.getRequestUrl(ctx.getRequest()) ?? '') : '';
    if (!url.startsWith(WEBHOOK_PREFIX)) {
      super.catch(exception, host);
      return;
    }
    const endpoint = url.slice(WEBHOOK_PREFIX.length).split(/[/?]/)[0] || 'unknown';
    const status = statusOf(exception);
    const refused = status < 500;
    if (refused) {
      const code = codeOf(status);
      this.metrics.webhookRejected.inc({ endpoint, code });
      this.logger.warn({ endpoint, code }, 'notification refused: verification failed');
    } else {
      this.logger.error(
        { endpoint, error: exception instanceof Error ? exception.name : 'unknown' },
        'webhook failed before its handler',
      );
    }
    this.metrics.webhookNotifications.inc({ endpoint, outcome: refused ? 'rejected' : 'store_failed' });
    adapter.reply(
      ctx.getResponse(),
      { code: 'FAIL', message: refused ? 'verification failed' : 'internal error' },
      status,
    );
  }
}
