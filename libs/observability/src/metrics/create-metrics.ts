import {
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
} from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** Latency buckets in seconds (Prometheus convention), fine at the low end for millisecond-budget calls. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface CreateMetricsOptions {
  /** Added to every series as the `service` label. */
  service: string;
  /** Process metrics (CPU, memory, event loop lag, GC); on unless turned off. */
  defaultMetrics?: boolean;
}

type Config<C> = Omit<C, 'registers'>;

/** One process's metrics: its own Registry plus helpers that register on it. */
export interface Metrics {
  readonly registry: Registry;
  counter<L extends string = string>(config: Config<CounterConfiguration<L>>): Counter<L>;
  histogram<L extends string = string>(config: Config<HistogramConfiguration<L>>): Histogram<L>;
  gauge<L extends string = string>(config: Config<GaugeConfiguration<L>>): Gauge<L>;
}

/** Two metrics share a name but not a type; prom-client would throw a less helpful error later. */
export class MetricTypeConflictError extends Error {
  override readonly name = 'MetricTypeConflictError';
}

type MetricClass<M> = new (...args: never[]) => M;

/**
 * Creates a Registry for one service. The helpers return the already registered metric when asked for the same
 * name again, so a module initialised twice (tests, hot reload) does not fail on "already registered".
 */
export function createMetrics(options: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  function reuseOrCreate<M>(name: string, kind: MetricClass<M>, create: () => M): M {
    const existing = registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (existing instanceof kind) return existing;
    throw new MetricTypeConflictError(`metric "${name}" is already registered with another type`);
  }

  return {
    registry,
    counter: (config) =>
      reuseOrCreate(config.name, Counter, () => new Counter({ ...config, registers: [registry] })),
    histogram: (config) =>
      reuseOrCreate(config.name, Histogram, () => new Histogram({ ...config, registers: [registry] })),
    gauge: (config) =>
      reuseOrCreate(config.name, Gauge, () => new Gauge({ ...config, registers: [registry] })),
  };
}
