/** How a service exports its traces; tracing is off unless an OTLP endpoint is configured. */
export interface TracingConfig {
  enabled: boolean;
  /** The OTLP/HTTP traces URL, e.g. `http://otel-collector:4318/v1/traces`. */
  endpoint?: string;
  /** The share of new traces recorded (0..1); a call that arrives with a sampled parent is always recorded. */
  sampleRatio: number;
  /** How long finished spans wait for their batch to be sent. */
  exportDelayMs: number;
  /** SQL statements as spans, inside traced work only. */
  sqlSpans: boolean;
}

/** A bad tracing setting, named without its value (an endpoint may carry credentials). */
export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

/**
 * Reads the standard OpenTelemetry variables (so an operator's collector settings carry over):
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) or `OTEL_EXPORTER_OTLP_ENDPOINT` (its base, `/v1/traces`
 * appended), `OTEL_TRACES_SAMPLER_ARG` (the ratio, default 1), `OTEL_BSP_SCHEDULE_DELAY` (ms, default 5000), and
 * the gateway's `TRACING_SQL` (on/off, default on). `OTEL_SDK_DISABLED=true` turns tracing off whatever is set.
 */
export function tracingConfigOf(env: NodeJS.ProcessEnv = process.env): TracingConfig {
  const endpoint = endpointOf(env);
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  return {
    enabled: endpoint !== undefined && !disabled,
    endpoint,
    sampleRatio: numberIn(env, 'OTEL_TRACES_SAMPLER_ARG', 1, 0, 1),
    exportDelayMs: numberIn(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 1, 60_000),
    sqlSpans: flag(env, 'TRACING_SQL', true),
  };
}

function endpointOf(env: NodeJS.ProcessEnv): string | undefined {
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = full || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TracingConfigError('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TracingConfigError('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL');
  }
  return url;
}

function numberIn(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new TracingConfigError(`${name} must be a number from ${min} to ${max}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'on' || raw === 'true') return true;
  if (raw === 'off' || raw === 'false') return false;
  throw new TracingConfigError(`${name} must be on or off`);
}
