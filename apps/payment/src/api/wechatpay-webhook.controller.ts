import { Controller, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type IncomingHttpHeaders } from 'http';
import { annotateSpan, isTracing, SpanKind, traced } from '@wxpay/observability';
import { type WebhookEndpoint } from '../domain/notification-facts';
import { WebhookIntake } from '../use-cases/webhooks/webhook-intake.service';

type WebhookRequest = RawBodyRequest<{ headers: IncomingHttpHeaders; body?: unknown }>;

/**
 * POST /notify/wechatpay/{transactions,refunds,papay}: the exact bytes in (the framework's JSON body rules
 * first: size, charset, encoding, syntax; refusals answered by WebhookErrorFilter), 204 or {"code":"FAIL",…}
 * out.
 */
@Controller('notify/wechatpay')
export class WechatPayWebhookController {
  constructor(
    private readonly intake: WebhookIntake,
    private readonly http: HttpAdapterHost,
  ) {}

  @Post('transactions')
  transactions(@Req() req: WebhookRequest, @Res() res: unknown): Promise<void> {
    return this.handle('transactions', req, res);
  }

  @Post('refunds')
  refunds(@Req() req: WebhookRequest, @Res() res: unknown): Promise<void> {
    return this.handle('refunds', req, res);
  }

  @Post('papay')
  papay(@Req() req: WebhookRequest, @Res() res: unknown): Promise<void> {
    return this.handle('papay', req, res);
  }

  /**
   * The intake as a server span of a new trace. WeChat Pay sends no trace context, and a `traceparent` on this
   * public endpoint is not trusted: anyone could force recording (sampled flag) or name a payment's trace. The
   * notification's apply, in the payment's trace, links back to this span.
   */
  private handle(endpoint: WebhookEndpoint, req: WebhookRequest, res: unknown): Promise<void> {
    if (!isTracing()) return this.answer(endpoint, req, res);
    return traced(
      `POST /notify/wechatpay/${endpoint}`,
      {
        kind: SpanKind.SERVER,
        parent: null,
        attributes: { 'http.request.method': 'POST', 'http.route': `/notify/wechatpay/${endpoint}` },
      },
      () => this.answer(endpoint, req, res),
    );
  }

  private async answer(endpoint: WebhookEndpoint, req: WebhookRequest, res: unknown): Promise<void> {
    const answer = !isJson(req.headers['content-type'])
      ? this.intake.refuseUnread(endpoint, 415, 'UNSUPPORTED_MEDIA_TYPE')
      : // A notification is a JSON object: a bare string or number is no notification (body-parser's strict rule).
        typeof req.body !== 'object' || req.body === null
        ? this.intake.refuseUnread(endpoint, 400, 'NOT_JSON')
        : await this.intake.handle(endpoint, req.headers, req.rawBody, req.body);
    if (isTracing()) annotateSpan({ 'http.response.status_code': answer.status });
    const adapter = this.http.httpAdapter;
    if (answer.body) {
      adapter.reply(res, answer.body, answer.status);
    } else {
      adapter.status(res, answer.status);
      adapter.end(res);
    }
  }
}

/** What WeChat Pay sends, answered without splitting the header (this check runs on every notification). */
const USUAL_CONTENT_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/** WeChat Pay posts `application/json` in UTF-8: any other type or charset is refused before the body is used. */
function isJson(contentType: string | undefined): boolean {
  if (contentType !== undefined && USUAL_CONTENT_TYPES.has(contentType.toLowerCase())) return true;
  const [type, ...params] = (contentType ?? '')
    .toLowerCase()
    .split(';')
    .map((p) => p.trim());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
}
