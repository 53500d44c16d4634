import { ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { type Logger } from '@wxpay/observability';
import { LOGGER } from '@wxpay/runtime';
import { type IncomingMessage, type ServerResponse } from 'http';
import { type PaymentMetrics } from '../metrics/payment-metrics';
import { PAYMENT_METRICS } from '../composition/tokens';

const WEBHOOK_PREFIX = '/notify/wechatpay/';

/**
 * What WeChat Pay reads back from a webhook that failed before our handler ran (a body that is not JSON, too
 * large): its status with {"code":"FAIL",…}, counted and logged like any refused notification. Every other route
 * keeps Nest's own error answers.
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
    const refused = status < 500;
    const code = status === 413 ? 'BODY_TOO_LARGE' : refused ? 'NOT_JSON' : 'INTERNAL';
    if (refused) {
      this.metrics.webhookRejected.inc({ endpoint, code });
      this.logger.warn({ endpoint, code }, 'notification refused: verification failed');
    } else {
      this.logger.error({ endpoint }, 'webhook failed before its handler');
    }
    this.metrics.webhookNotifications.inc({ endpoint, outcome: refused ? 'rejected' : 'store_failed' });
    const res = http.getResponse<ServerResponse>();
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ code: 'FAIL', message: refused ? 'verification failed' : 'internal error' }));
  }
}
