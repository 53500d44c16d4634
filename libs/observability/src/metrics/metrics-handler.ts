import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** Writes the registry in Prometheus text format; a scrape failure is a 500 with a short plain-text reason. */
export async function writeMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  try {
    const body = await registry.metrics();
    res.statusCode = 200;
    res.setHeader('Content-Type', registry.contentType);
    res.end(body);
  } catch {
    // A collect callback failed; its message could carry anything, so it is not echoed to the scraper.
    res.statusCode = 500;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('metrics collection failed\n');
  }
}

/** `GET /metrics` handler for express (`app.get('/metrics', metricsHandler(registry))`) or bare node:http. */
export function metricsHandler(
  registry: Registry,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return (_req, res) => writeMetrics(registry, res);
}
