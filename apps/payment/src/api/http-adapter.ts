import { FastifyAdapter } from '@nestjs/platform-fastify';

/** WeChat Pay's notifications are a few kB: anything over this is refused (413) before it is buffered whole. */
export const WEBHOOK_BODY_LIMIT = 100 * 1024;

/**
 * The service's one HTTP stack: Nest on Fastify. The webhooks are its hot path (thousands of notifications a
 * second at peak); measured with the webhook benchmark (`npm run bench -- payment`, bench/payment), Express's
 * routing and body parsing cost the payment process about 15 % more CPU per notification than the hand-written
 * fast path it replaced, Fastify's about as much as that fast path, with one stack for every route.
 */
export function paymentHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: WEBHOOK_BODY_LIMIT });
}
