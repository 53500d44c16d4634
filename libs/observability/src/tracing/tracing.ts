import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { MaskingSpanExporter } from './span-masking';
import { tracingConfigOf, type TracingConfig } from './tracing-config';

export { SpanKind };
export type { Span };

/**
 * Whether this process records traces. Every helper below checks it first and does nothing else when it is off,
 * so a gateway without an OTLP endpoint pays one boolean test per call site (not even the API's no-op spans).
 */
let enabled = false;
let provider: TracerProvider | undefined;
const TRACER = 'wxpay-gateway';

export interface StartTracingOptions {
  env?: NodeJS.ProcessEnv;
  /** Where spans go instead of OTLP (tests); still behind the masking. */
  exporter?: SpanExporter;
}

/**
 * Starts tracing for `service` when an OTLP endpoint is configured (see `tracingConfigOf`). Call it first thing in
 * a service's main, before the modules that use PostgreSQL are loaded: the pg instrumentation patches the driver
 * as it is required. Spans are sampled per trace (the parent's decision, else `OTEL_TRACES_SAMPLER_ARG`),
 * batched, masked and sent over OTLP/HTTP.
 */
export function startTracing(service: string, options: StartTracingOptions = {}): TracingConfig {
  const config = tracingConfigOf(options.env);
  if (!config.enabled && !options.exporter) return config;
  if (provider) return config;
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: config.endpoint });
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'wxpay-gateway' }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new MaskingSpanExporter(exporter),
        scheduledDelayMillis: config.exportDelayMs,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  if (config.sqlSpans) {
    registerInstrumentations({
      tracerProvider: provider,
      // Statements only inside traced work (no spans for pollers and heartbeats), without their bind values.
      instrumentations: [
        new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      ],
    });
  }
  enabled = true;
  return { ...config, enabled: true };
}

/** Sends the finished spans still buffered (a short-lived command before it exits; tests). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/** Sends what is buffered and stops; for a service's shutdown. */
export async function stopTracing(): Promise<void> {
  const p = provider;
  if (!p) return;
  enabled = false;
  provider = undefined;
  await p.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

export function isTracing(): boolean {
  return enabled;
}

export interface TracedOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent when not the active span: a stored or received `traceparent`, or a context. */
  parent?: string | Context | null;
  /**
   * A stored `traceparent` to continue when no span is active (work resumed later by a worker or a janitor joins
   * the trace of the call that began it; inside a traced call it stays a child of that call).
   */
  resume?: string | null;
  links?: Link[];
}

/**
 * Runs `work` inside a span named `name` (ended when it settles; a throw marks it failed with the error's name and
 * message, masked at export). With tracing off it only runs `work`.
 */
export function traced<T>(
  name: string,
  options: TracedOptions,
  work: (span?: Span) => Promise<T>,
): Promise<T> {
  if (!enabled) return work();
  const parent = parentContextOf(options.parent, options.resume);
  const span = trace
    .getTracer(TRACER)
    .startSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links }, parent);
  return context.with(trace.setSpan(parent, span), () =>
    work(span).then(
      (result) => {
        span.end();
        return result;
      },
      (e: unknown) => {
        failSpan(span, e);
        span.end();
        throw e;
      },
    ),
  );
}

/** A span the caller ends itself (for callback-shaped work); undefined with tracing off. */
export function startSpan(name: string, options: TracedOptions = {}): Span | undefined {
  if (!enabled) return undefined;
  return trace
    .getTracer(TRACER)
    .startSpan(
      name,
      { kind: options.kind, attributes: options.attributes, links: options.links },
      parentContextOf(options.parent, options.resume),
    );
}

/**
 * Runs `work` outside any trace: for work shared by many callers (a group-commit batch, read coalescing) that would
 * otherwise stay in the context of whichever caller happened to start it, long after that caller's span ended.
 */
export function detached<T>(work: () => T): T {
  return enabled ? context.with(ROOT_CONTEXT, work) : work();
}

/** Runs `work` with `span` as the active span (so its callees' spans and carriers are its children). */
export function withSpan<T>(span: Span | undefined, work: () => T): T {
  if (!span) return work();
  return context.with(trace.setSpan(context.active(), span), work);
}

/** Adds attributes to the active span (an answer's status, an outcome); nothing with tracing off. */
export function annotateSpan(attributes: Attributes): void {
  if (enabled) trace.getActiveSpan()?.setAttributes(attributes);
}

export function failSpan(span: Span | undefined, e: unknown): void {
  if (!span) return;
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The active span's `traceparent` (to store with an outbox row or a payment), or null when nothing is traced. */
export function currentTraceparent(): string | null {
  if (!enabled) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** `trace_id` and `span_id` of the active span for a log line; empty with tracing off or outside a span. */
export function logTraceFields(): Record<string, string> {
  // A new object each time: pino merges the record into the mixin's result.
  if (!enabled) return {};
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/** Writes the active context's `traceparent`/`tracestate` into `carrier` (gRPC metadata, HTTP or Kafka headers). */
export function injectTraceContext(carrier: Record<string, string>): void {
  if (enabled) propagation.inject(context.active(), carrier);
}

/** The context a carrier names (gRPC metadata, headers), read with `get`. */
export function extractTraceContext<C>(
  carrier: C,
  get: (carrier: C, key: string) => string | undefined,
): Context {
  if (!enabled) return ROOT_CONTEXT;
  const getter: TextMapGetter<C> = { get, keys: () => ['traceparent', 'tracestate'] };
  return propagation.extract(ROOT_CONTEXT, carrier, getter);
}

/** A link to the span a `traceparent` names (e.g. the webhook intake that delivered what a later span applies). */
export function linkTo(traceparent: string | null | undefined): Link[] {
  if (!enabled || !traceparent) return [];
  const ctx = trace.getSpanContext(parentContextOf(traceparent));
  return ctx ? [{ context: ctx }] : [];
}

function parentContextOf(parent: string | Context | null | undefined, resume?: string | null): Context {
  if (parent === undefined) {
    const active = context.active();
    return resume && !trace.getSpan(active) ? parentContextOf(resume) : active;
  }
  if (parent === null) return ROOT_CONTEXT;
  if (typeof parent !== 'string') return parent;
  return propagation.extract(ROOT_CONTEXT, { traceparent: parent });
}
