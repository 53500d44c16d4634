export { maskPansInJson } from './logging/json-line-masking';
export { REDACTED } from './logging/secret-keys';
export { createSanitizer, type SanitizerOptions } from './logging/record-sanitizer';
export {
  createLogger,
  LoggerConfigError,
  type CreateLoggerOptions,
  type Logger,
  type LogLevel,
} from './logging/create-logger';
export { NestPinoLogger } from './logging/nest-pino-logger';

export {
  createMetrics,
  Counter,
  Gauge,
  Histogram,
  LATENCY_BUCKETS_SECONDS,
  MetricTypeConflictError,
  Registry,
  type CreateMetricsOptions,
  type Metrics,
} from './metrics/create-metrics';
export { metricsHandler } from './metrics/metrics-handler';
export {
  startMetricsServer,
  type MetricsServerOptions,
  type RunningMetricsServer,
} from './metrics/metrics-server';

export {
  DuplicateHealthCheckError,
  HealthCheckTimeoutError,
  HealthRegistry,
  type CheckResult,
  type HealthCheck,
  type HealthCheckOptions,
  type LivenessReport,
  type ReadinessReport,
} from './health/health-registry';
export {
  createObservabilityController,
  ObservabilityModule,
  type ObservabilityEndpointsOptions,
} from './nest/observability.module';
export {
  addGrpcHealthAndReflection,
  UnknownGrpcServiceError,
  WHOLE_SERVER,
  type GrpcHealthControl,
  type GrpcHealthReflectionOptions,
  type ServingStatus,
} from './grpc/grpc-health-reflection';
export {
  annotateSpan,
  currentTraceparent,
  detached,
  extractTraceContext,
  failSpan,
  injectTraceContext,
  isTracing,
  linkTo,
  SpanKind,
  startSpan,
  startTracing,
  stopTracing,
  traced,
  withSpan,
  type Span,
  type TracedOptions,
} from './tracing/tracing';
export { type TracingConfig } from './tracing/tracing-config';
