import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthRegistry } from '../health/health-registry';
import { createMetrics } from '../metrics/create-metrics';
import { ObservabilityModule } from './observability.module';

describe('ObservabilityModule', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves /health/live, /health/ready and /metrics from a Nest app', async () => {
    const health = new HealthRegistry();
    let dbUp = false;
    health.register('database', () => {
      if (!dbUp) throw new Error('connection refused');
    });
    const metrics = createMetrics({ service: 'payment', defaultMetrics: false });
    metrics.gauge({ name: 'outbox_backlog', help: 'Unpublished outbox rows' }).set(3);

    app = await NestFactory.create(ObservabilityModule.forRoot({ health, registry: metrics.registry }), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    expect(await (await fetch(`${base}/health/live`)).json()).toMatchObject({ status: 'alive' });
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    dbUp = true;
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { status: 'up' } } });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('outbox_backlog{service="payment"} 3');
  });
});
