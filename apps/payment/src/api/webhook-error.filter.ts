import { ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { type Logger } from '@wxpay/observability';
import { LOGGER } from '@wxpay/runtime';
import { type IncomingMessage, type ServerResponse } from 'http';
import { type PaymentMetrics } from '../payment-metrics';
import { PAYMENT_METRICS } from '../composition/tokens';

export const WEBHOOK_PREFIX = '/notify/wechatpay/';

/**
 * What WeChat Pay reads back from a webhook whose body could not be taken as JSON (not JSON, too large): its
 * status with {"code":"FAIL",…}, counted and logged like any refused notification.
 */
export function answerUnreadBody(
  res: ServerResponse,
  endpoint: string,
  status: number,
  metrics: PaymentMetrics,
  logger: Logger,
): void {
  const refused = status < 500;
  const code = status === 413 ? 'BODY_TOO_LARGE' : refused ? 'NOT_JSON' : 'INTERNAL';
  if (refused) {
    metrics.webhookRejected.inc({ endpoint, code });
    logger.warn({ endpoint, code }, 'notification refused: verification failed');
  } else {
    logger.error({ endpoint }, 'webhook failed before its handler');
  }
  metrics.webhookNotifications.inc({ endpoint, outcome: refused ? 'rejected' : 'store_failed' });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ code: 'FAIL', message: refused ? 'verification failed' : 'internal error' }));
}

/**
 * What WeChat Pay reads back from a webhook that failed before our handler ran (a body that is not JSON, too
 * large): see answerUnreadBody. Every other route keeps Nest's own error answers.
 */
@Catch()
export class WebhookErrorFilter extends BaseExceptionFilter {
  constructor(
    @Inject(PAYMENT_METRICS) private readonly metrics: PaymentMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<IncomingMessage>();
    if (host.getType() !== 'http' || !req.url?.startsWith(WEBHOOK_PREFIX)) {
      super.catch(exception, host);
      return;
    }
    const endpoint = req.url.slice(WEBHOOK_PREFIX.length).split(/[/?]/)[0] ?? 'unknown';
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    answerUnreadBody(http.getResponse<ServerResponse>(), endpoint, status, this.metrics, this.logger);
  }
}
