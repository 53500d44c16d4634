import { type INestApplication } from '@nestjs/common';
import { LATENCY_BUCKETS_SECONDS, type Histogram, type Metrics } from '@wxpay/observability';
import { type IncomingMessage, type ServerResponse } from 'node:http';

export const HTTP_SERVER_SECONDS = 'wxpay_http_server_seconds';

/** The route label of a request no route matched (404s, probes of random paths): one series, not one per path. */
export const UNMATCHED_ROUTE = 'unmatched';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export type HttpObserver = (
  method: string,
  route: string | undefined,
  status: number,
  seconds: number,
) => void;

/**
 * The histogram every service's HTTP server records into, by method, route template (never the raw path: ids in
 * paths would make a series per request) and status class. Label children are cached: the payment webhook is a
 * hot path, and prom-client's label lookup sorts and joins the labels on every call.
 */
export function httpObserver(metrics: Metrics): HttpObserver {
  const histogram: Histogram<'method' | 'route' | 'status_class'> = metrics.histogram({
    name: HTTP_SERVER_SECONDS,
    help: 'HTTP requests served, by method, route template and status class (404s as route "unmatched")',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [...LATENCY_BUCKETS_SECONDS],
  });
  const children = new Map<string, Histogram.Internal<'method' | 'route' | 'status_class'>>();
  return (method, route, status, seconds) => {
    const m = METHODS.has(method) ? method : 'OTHER';
    const r = route ?? UNMATCHED_ROUTE;
    const s = status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
    const key = `${m} ${r} ${s}`;
    let child = children.get(key);
    if (!child) {
      child = histogram.labels({ method: m, route: r, status_class: s });
      children.set(key, child);
    }
    child.observe(seconds);
  };
}

interface ExpressRequest extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
}

interface FastifyRequestLike {
  method: string;
  routeOptions?: { url?: string };
  is404?: boolean;
}
interface FastifyReplyLike {
  statusCode: number;
  elapsedTime: number;
}
interface FastifyLike {
  addHook(
    name: 'onResponse',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
  ): unknown;
}

/**
 * Times every request the app's HTTP server answers, whatever answers it (a controller, a guard's refusal, the
 * body-size limit, a 404). Call right after NestFactory.create, before the routes are registered: Express
 * middleware and Fastify hooks added later would miss them. On Express the matched route is `req.route` (set
 * by the router before guards run); on Fastify it is the request's `routeOptions.url`.
 */
export function instrumentHttpServer(app: INestApplication, metrics: Metrics): void {
  const observe = httpObserver(metrics);
  const adapter = app.getHttpAdapter();
  if (adapter.getType() === 'fastify') {
    (adapter.getInstance() as FastifyLike).addHook('onResponse', (request, reply, done) => {
      const route = request.is404 ? undefined : request.routeOptions?.url;
      observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    return;
  }
  app.use((req: ExpressRequest, res: ServerResponse, next: () => void) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const path = typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : undefined;
      observe(req.method ?? 'OTHER', path, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });
}
