import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from '../health/health-registry';
import { writeLiveness, writeReadiness } from '../health/http-endpoints';
import { writeMetrics } from './metrics-handler';

export interface MetricsServerOptions {
  /** 0 picks a free port (tests); the chosen one is in the result. */
  port: number;
  /** Defaults to 0.0.0.0 so a scraper in another container or pod can reach it. */
  host?: string;
  registry: Registry;
  /** When given, `/health/live` and `/health/ready` are served too. */
  health?: HealthRegistry;
}

export interface RunningMetricsServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A bare node:http server for processes without an HTTP framework (Kafka workers, the gRPC-only services):
 * `GET /metrics`, and the health endpoints when a HealthRegistry is given. Everything else is 404.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const { registry, health } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, HEAD');
      res.end();
      return;
    }
    if (path === '/metrics') return void writeMetrics(registry, res);
    if (health && path === '/health/live') return writeLiveness(health, res);
    if (health && path === '/health/ready') return void writeReadiness(health, res);
    res.statusCode = 404;
    res.end();
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Scrapers keep connections alive; without this close() would wait for them to time out.
        server.closeIdleConnections();
      }),
  };
}
