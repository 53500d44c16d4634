import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HttpRequestLimits } from './api/http-request-limits';
import { PaymentsController } from './api/payments.controller';
import { WebhookErrorFilter } from './api/webhook-error.filter';
import { WechatPayWebhookController } from './api/wechatpay-webhook.controller';
import { ReconciliationModule, WebhookInboxModule } from './payment-core.module';
import { PaymentJobs } from './payment-jobs';
import { type PaymentRunOptions } from './payment-options';

/** Payment as a service: the Payments controller (gRPC), the WeChat Pay webhooks (HTTP) and the background jobs. */
@Module({})
export class PaymentModule {
  static forRoot(options: PaymentRunOptions): DynamicModule {
    return {
      module: PaymentModule,
      imports: [WebhookInboxModule.forRoot(options), ReconciliationModule.forRoot(options)],
      controllers: [PaymentsController, WechatPayWebhookController],
      // The HTTP app's filter (body-parsing refusals happen before any route); the gRPC edge has its own.
      providers: [{ provide: APP_FILTER, useClass: WebhookErrorFilter }, HttpRequestLimits, PaymentJobs],
    };
  }
}
