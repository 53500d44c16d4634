import { type IncomingMessage } from 'node:http';

/** The parts of Express's request the simulator reads (Express types are not installed; Node's are). */
export interface SimRequest extends IncomingMessage {
  /** The request-target exactly as received: raw path and query. */
  readonly originalUrl: string;
  /** The raw body (express.raw for every content type), or undefined without a body. */
  readonly body?: unknown;
}

export function rawBody(req: SimRequest): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Query parameters from the raw URL. */
export function queryParam(req: SimRequest, name: string): string | undefined {
  return new URL(req.originalUrl, 'http://sim.local').searchParams.get(name) ?? undefined;
}
