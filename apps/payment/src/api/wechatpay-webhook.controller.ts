import { Controller, Inject, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { type IncomingMessage, type ServerResponse } from 'http';
import { type WebhookEndpoint } from '../domain/notification-facts';
import { writeWebhookAnswer } from '../webhooks/webhook-fast-path';
import { WebhookIntake } from '../use-cases/webhooks/webhook-intake.service';

type WebhookRequest = RawBodyRequest<IncomingMessage>;

/**
 * POST /notify/wechatpay/{transactions,refunds,papay}: raw bytes in, 204 or {"code":"FAIL",…} out. The common
 * requests are served before they reach Nest (webhook-fast-path.ts); this route takes the rest.
 */
@Controller('notify/wechatpay')
export class WechatPayWebhookController {
  constructor(@Inject(WebhookIntake) private readonly intake: WebhookIntake) {}

  @Post('transactions')
  transactions(@Req() req: WebhookRequest, @Res() res: ServerResponse): Promise<void> {
    return this.handle('transactions', req, res);
  }

  @Post('refunds')
  refunds(@Req() req: WebhookRequest, @Res() res: ServerResponse): Promise<void> {
    return this.handle('refunds', req, res);
  }

  @Post('papay')
  papay(@Req() req: WebhookRequest, @Res() res: ServerResponse): Promise<void> {
    return this.handle('papay', req, res);
  }

  private async handle(endpoint: WebhookEndpoint, req: WebhookRequest, res: ServerResponse): Promise<void> {
    writeWebhookAnswer(res, await this.intake.handle(endpoint, req.headers, req.rawBody));
  }
}
