import { createMetrics, HealthRegistry } from '@wxpay/observability';
import { registerReadinessGauges } from './readiness-gauge';

describe('readiness gauges', () => {
  it('report the readiness checks at scrape time, overall and per check', async () => {
    const metrics = createMetrics({ service: 'risk', defaultMetrics: false });
    const health = new HealthRegistry();
    let kafkaUp = true;
    health.register('database', () => undefined);
    health.register('kafka', () => {
      if (!kafkaUp) throw new Error('no brokers');
    });
    registerReadinessGauges(metrics, health);

    let text = await metrics.registry.metrics();
    expect(text).toContain('wxpay_ready{service="risk"} 1');
    expect(text).toContain('wxpay_health_check_up{check="kafka",service="risk"} 1');

    kafkaUp = false;
    text = await metrics.registry.metrics();
    expect(text).toContain('wxpay_ready{service="risk"} 0');
    expect(text).toContain('wxpay_health_check_up{check="kafka",service="risk"} 0');
    expect(text).toContain('wxpay_health_check_up{check="database",service="risk"} 1');
  });
});
