import { type Attributes, type AttributeValue } from '@opentelemetry/api';
import { type ExportResult } from '@opentelemetry/core';
import { type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { maskPans } from '@wxpay/card';
import { REDACTED, SecretKeyMatcher } from '../logging/secret-keys';

// Integers below 10^12 have at most 12 digits and can never be a PAN.
const SMALLEST_PAN_SIZED_INTEGER = 1e12;

/**
 * The last gate before spans leave the process, as `maskPansInJson` is for log lines: span names, attributes
 * (at any key: a SQL text, an error message, a URL), event attributes (recorded exceptions), link attributes and
 * the status message have card numbers masked, and attributes with secret names (`key`, `apiV3Key`, `pan`, ...)
 * are redacted. It wraps the exporter rather than hooking span creation: every span passes here exactly once,
 * whoever made it (our edge, the pg instrumentation, a library), and spans that are not exported cost nothing.
 */
export class MaskingSpanExporter implements SpanExporter {
  private readonly secrets = new SecretKeyMatcher();

  constructor(private readonly next: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.next.export(
      spans.map((s) => this.masked(s)),
      resultCallback,
    );
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve();
  }

  /** The span with masked copies of what may carry text; everything else is read through to the original. */
  masked(span: ReadableSpan): ReadableSpan {
    const view = Object.create(span) as ReadableSpan;
    Object.defineProperties(view, {
      name: { value: maskPans(span.name) },
      attributes: { value: this.maskAttributes(span.attributes) },
      status: {
        value: span.status.message ? { ...span.status, message: maskPans(span.status.message) } : span.status,
      },
      events: {
        value: span.events.map((e) => ({
          ...e,
          name: maskPans(e.name),
          ...(e.attributes ? { attributes: this.maskAttributes(e.attributes) } : {}),
        })),
      },
      links: {
        value: span.links.map((l) =>
          l.attributes ? { ...l, attributes: this.maskAttributes(l.attributes) } : l,
        ),
      },
    });
    return view;
  }

  private maskAttributes(attributes: Attributes): Attributes {
    const out: Attributes = {};
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined) continue;
      out[key] = this.secrets.isSecret(key) ? REDACTED : maskValue(value);
    }
    return out;
  }
}

function maskValue(value: AttributeValue): AttributeValue {
  if (typeof value === 'string') return maskPans(value);
  if (typeof value === 'number') return maskNumber(value);
  if (Array.isArray(value)) {
    return value.map((v: unknown) =>
      typeof v === 'string' ? maskPans(v) : typeof v === 'number' ? maskNumber(v) : v,
    ) as AttributeValue;
  }
  return value;
}

function maskNumber(value: number): number | string {
  if (!Number.isInteger(value) || Math.abs(value) < SMALLEST_PAN_SIZED_INTEGER) return value;
  // Beyond 2^53 the digits are rounded and a Luhn check says nothing: a 17-19-digit card number would pass.
  if (!Number.isSafeInteger(value)) return REDACTED;
  const digits = String(value);
  const masked = maskPans(digits);
  return masked === digits ? value : masked;
}
