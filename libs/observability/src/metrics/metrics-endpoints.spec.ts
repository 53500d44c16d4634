import { HealthRegistry } from '../health/health-registry';
import { createMetrics, MetricTypeConflictError } from './create-metrics';
import { RunningMetricsServer, startMetricsServer } from './metrics-server';

describe('metrics', () => {
  let running: RunningMetricsServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('creates metrics on its own registry and reuses them by name', () => {
    const metrics = createMetrics({ service: 'risk', defaultMetrics: false });
    const a = metrics.counter({ name: 'risk_decisions_total', help: 'decisions', labelNames: ['outcome'] });
    const b = metrics.counter({ name: 'risk_decisions_total', help: 'decisions', labelNames: ['outcome'] });
    expect(b).toBe(a);
    expect(() => metrics.gauge({ name: 'risk_decisions_total', help: 'x' })).toThrow(MetricTypeConflictError);
    expect(createMetrics({ service: 'other', defaultMetrics: false }).registry).not.toBe(metrics.registry);
  });

  it('serves /metrics in Prometheus text format with the service label and default metrics', async () => {
    const metrics = createMetrics({ service: 'payment' });
    metrics
      .counter({ name: 'payments_created_total', help: 'Payments created', labelNames: ['scene'] })
      .inc({ scene: 'jsapi' }, 2);
    metrics
      .histogram({ name: 'grpc_server_seconds', help: 'gRPC latency', buckets: [0.005, 0.01] })
      .observe(0.007);
    running = await startMetricsServer({ port: 0, host: '127.0.0.1', registry: metrics.registry });

    const res = await fetch(`${running.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE payments_created_total counter');
    expect(text).toContain('payments_created_total{scene="jsapi",service="payment"} 2');
    expect(text).toContain('grpc_server_seconds_bucket{le="0.01",service="payment"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="payment"\} /m);
    expect((await fetch(`${running.url}/other`)).status).toBe(404);
  });

  it('serves health endpoints next to /metrics when given a HealthRegistry', async () => {
    const health = new HealthRegistry();
    let up = true;
    health.register('kafka', () => {
      if (!up) throw new Error('no brokers');
    });
    const metrics = createMetrics({ service: 'risk', defaultMetrics: false });
    running = await startMetricsServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, health });

    expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${running.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { kafka: { status: 'up' } } });
    up = false;
    const notReady = await fetch(`${running.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      status: 'not_ready',
      checks: { kafka: { status: 'down', error: 'Error: no brokers' } },
    });
  });
});
