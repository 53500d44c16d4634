import type { ServerResponse } from 'node:http';
import type { HealthRegistry } from './health-registry';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

/** `GET /health/live`: 200 while the process can answer at all; it never runs dependency checks. */
export function writeLiveness(health: HealthRegistry, res: ServerResponse): void {
  sendJson(res, 200, health.liveness());
}

/** `GET /health/ready`: 200 with every check's result when all pass, 503 with the same body otherwise. */
export async function writeReadiness(health: HealthRegistry, res: ServerResponse): Promise<void> {
  const report = await health.readiness();
  sendJson(res, report.status === 'ready' ? 200 : 503, report);
}
