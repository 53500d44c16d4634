import { type HealthRegistry, type Metrics } from '@wxpay/observability';

export const READY = 'wxpay_ready';
export const HEALTH_CHECK_UP = 'wxpay_health_check_up';

/**
 * `wxpay_ready` (1 ready, 0 not) and `wxpay_health_check_up{check}`, from the same readiness checks as
 * `/health/ready`, run at scrape time (concurrent asks share one run): `up` only says the process answers, these
 * say whether it can serve, and which dependency stops it.
 */
export function registerReadinessGauges(metrics: Metrics, health: HealthRegistry): void {
  let report: ReturnType<HealthRegistry['readiness']> | undefined;
  let settled = true;
  // Both gauges are collected in one scrape: a run still in flight serves the pair, a finished one is stale.
  const read = () => {
    if (settled) {
      settled = false;
      report = health.readiness().finally(() => (settled = true));
    }
    return report!;
  };
  metrics.gauge({
    name: READY,
    help: 'Whether the service reports ready (1) or not (0), as GET /health/ready',
    async collect() {
      this.set((await read()).status === 'ready' ? 1 : 0);
    },
  });
  metrics.gauge({
    name: HEALTH_CHECK_UP,
    help: 'Each readiness check: 1 up, 0 down',
    labelNames: ['check'],
    async collect() {
      this.reset();
      for (const [check, result] of Object.entries((await read()).checks)) {
        this.set({ check }, result.status === 'up' ? 1 : 0);
      }
    },
  });
}
