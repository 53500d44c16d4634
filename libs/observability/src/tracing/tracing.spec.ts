import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { currentTraceparent, detached, flushTracing, startTracing, stopTracing, traced } from './tracing';

describe('trace context', () => {
  const exported = new InMemorySpanExporter();
  beforeAll(() => startTracing('context-test', { env: {}, exporter: exported }));
  afterAll(() => stopTracing());
  beforeEach(() => exported.reset());

  const spanNamed = async (name: string) => {
    await flushTracing();
    return exported.getFinishedSpans().find((s) => s.name === name)!;
  };

  it('runs shared work outside the trace of the caller that started it', async () => {
    let inside: string | null = null;
    let shared: string | null = 'unset';
    await traced('request', {}, async () => {
      inside = currentTraceparent();
      shared = detached(() => currentTraceparent());
    });
    expect(inside).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(shared).toBeNull();
  });

  it('resumes a stored trace only when no span is active', async () => {
    let stored = '';
    await traced('create', {}, async () => {
      stored = currentTraceparent()!;
    });
    await traced('later step', { resume: stored }, async () => undefined);
    await traced('inside another call', {}, () =>
      traced('nested step', { resume: stored }, async () => undefined),
    );

    const create = await spanNamed('create');
    const later = await spanNamed('later step');
    const outer = await spanNamed('inside another call');
    const nested = await spanNamed('nested step');
    expect(later.spanContext().traceId).toBe(create.spanContext().traceId);
    expect(later.parentSpanContext?.spanId).toBe(create.spanContext().spanId);
    expect(nested.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });
});
