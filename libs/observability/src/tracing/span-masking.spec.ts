import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { luhnValid, masked } from '../testing/luhn-fixtures';
import { flushTracing, startTracing, stopTracing, traced } from './tracing';

/** Spans leave the process through the masking exporter: no card number and no secret-named value in any part. */
describe('span masking', () => {
  const exported = new InMemorySpanExporter();

  beforeAll(() => startTracing('masking-test', { env: {}, exporter: exported }));
  afterAll(() => stopTracing());

  it('masks card numbers in names, attributes, events and the status, and redacts secret-named attributes', async () => {
    const pan = luhnValid('622202', 16);
    const spaced = pan.match(/.{1,4}/g)!.join(' ');
    await traced(
      `charge ${pan}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.query.text': `card ${spaced}` } },
      async (span) => {
        span!.setAttributes({
          apiV3Key: 'k'.repeat(32),
          'wxpay.card': Number(pan),
          tags: [pan],
          numbers: [Number(pan), 42],
          // 19 digits as a number: beyond 2^53, its digits cannot be checked, so it is redacted.
          long: Number(luhnValid('622202', 19)),
        });
        span!.addEvent('exception', { 'exception.message': `declined: ${pan}` });
        span!.setStatus({ code: SpanStatusCode.ERROR, message: `bad card ${pan}` });
      },
    );
    await flushTracing();
    const [span] = exported.getFinishedSpans();
    const text = JSON.stringify({
      name: span!.name,
      attributes: span!.attributes,
      events: span!.events,
      status: span!.status,
    });
    expect(text).not.toContain(pan);
    expect(text.replace(/\D/g, '')).not.toContain(pan);
    expect(span!.name).toBe(`charge ${masked(pan)}`);
    expect(span!.attributes).toMatchObject({
      apiV3Key: '[REDACTED]',
      'wxpay.card': masked(pan),
      tags: [masked(pan)],
      numbers: [masked(pan), 42],
      long: '[REDACTED]',
    });
    expect(span!.events[0]!.attributes).toEqual({ 'exception.message': `declined: ${masked(pan)}` });
    expect(span!.status.message).toBe(`bad card ${masked(pan)}`);
    // What needs no masking is read through unchanged.
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
