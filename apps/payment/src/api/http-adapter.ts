import { FastifyAdapter } from '@nestjs/platform-fastify';

/** WeChat Pay's notifications are a few kB: anything over this is refused (413) before it is buffered whole. */
export const WEBHOOK_BODY_LIMIT = 100 * 1024;

/**
 * The service's one HTTP stack: Nest on Fastify. The webhooks are its hot path; measured with the webhook
 * benchmark (`npm run bench -- payment`, bench/payment) on a shared 2-core machine, Express cost the payment
 * process more CPU per notification than Fastify, and on Fastify notifications/s held against the hand fast path
 * it replaced (316 vs 310/s answered, same load). Its CPU per notification is still somewhat above the fast
 * path's (0.87–1.03 against 0.61–0.92 ms, noisy): what one framework for every route costs.
 */
export function paymentHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: WEBHOOK_BODY_LIMIT });
}
