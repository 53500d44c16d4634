import { FastifyAdapter } from '@nestjs/platform-fastify';

/** WeChat Pay's notifications are a few kB: anything over this is refused (413) before it is buffered whole. */
export const WEBHOOK_BODY_LIMIT = 100 * 1024;

/**
 * The service's one HTTP stack: Nest on Fastify. The webhooks are its hot path; measured with the webhook
 * benchmark (`npm run bench -- payment`, bench/payment) on a shared 2-core machine, Express cost the payment
 * process more CPU per notification than Fastify.
 *
 * Fastify is held at 5.12 or later by `overrides` in package.json (@nestjs/platform-fastify 11 pins 5.11.3):
 * 5.11 wrapped every request body's parse in `AsyncResource.bind`, whose deprecation wrappers cost more than the
 * rest of Fastify together. Measured on this machine, a bare JSON route cost 123 µs of CPU per request on 5.11.3,
 * 56 µs on 5.12.8, and 49-53 µs on Node's http module alone; the webhook against the hand fast path it replaced,
 * in one run (`npm run bench -- before-after`): notifications/s −6 % (was −17 % on 5.11.3).
 */
export function paymentHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: WEBHOOK_BODY_LIMIT });
}
