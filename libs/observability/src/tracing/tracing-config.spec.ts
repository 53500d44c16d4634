import { tracingConfigOf, TracingConfigError } from './tracing-config';

describe('tracing configuration', () => {
  it('is off without an OTLP endpoint, and off when the SDK is disabled', () => {
    expect(tracingConfigOf({}).enabled).toBe(false);
    expect(
      tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })
        .enabled,
    ).toBe(false);
  });

  it('takes the traces URL, or the base URL with /v1/traces, and the standard sampler and batch settings', () => {
    expect(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      enabled: true,
      endpoint: 'http://collector:4318/v1/traces',
      sampleRatio: 1,
      exportDelayMs: 5000,
      sqlSpans: true,
    });
    expect(
      tracingConfigOf({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo:4318/otlp/v1/traces',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        OTEL_BSP_SCHEDULE_DELAY: '250',
        TRACING_SQL: 'off',
      }),
    ).toEqual({
      enabled: true,
      endpoint: 'https://tempo:4318/otlp/v1/traces',
      sampleRatio: 0.1,
      exportDelayMs: 250,
      sqlSpans: false,
    });
  });

  it('refuses bad settings by name, without echoing an endpoint that may hold credentials', () => {
    const secretUrl = 'ftp://user:hunter2@collector';
    expect(() => tracingConfigOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: secretUrl })).toThrow(
      TracingConfigError,
    );
    try {
      tracingConfigOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: secretUrl });
    } catch (e) {
      expect((e as Error).message).toContain('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect(() =>
      tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_SAMPLER_ARG: '1.5' }),
    ).toThrow('OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1');
    expect(() => tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', TRACING_SQL: 'maybe' })).toThrow(
      'TRACING_SQL must be on or off',
    );
  });
});
