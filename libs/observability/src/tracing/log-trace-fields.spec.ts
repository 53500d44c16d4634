import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createLogger } from '../logging/create-logger';
import { startTracing, stopTracing, traced } from './tracing';

function capturingLogger(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'payment',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { lines, logger };
}

describe('log lines and traces', () => {
  afterEach(() => stopTracing());

  it('carry the active span’s trace_id and span_id once tracing has started', async () => {
    startTracing('payment', { env: {}, exporter: new InMemorySpanExporter() });
    const { lines, logger } = capturingLogger();
    let ids: { traceId: string; spanId: string } | undefined;
    await traced('payment capture', {}, async (span) => {
      ids = span!.spanContext();
      logger.info({ paymentId: 'p-1' }, 'captured');
    });
    logger.info('outside any span');
    expect(lines[0]).toMatchObject({
      msg: 'captured',
      paymentId: 'p-1',
      trace_id: ids!.traceId,
      span_id: ids!.spanId,
    });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('carry nothing of the kind without tracing', async () => {
    const { lines, logger } = capturingLogger();
    await traced('payment capture', {}, async () => logger.info('captured'));
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });
});
