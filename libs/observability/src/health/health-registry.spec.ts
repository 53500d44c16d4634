import { luhnValid, masked } from '../testing/luhn-fixtures';
import { DuplicateHealthCheckError, HealthRegistry } from './health-registry';

describe('HealthRegistry', () => {
  it('is ready when every check passes, and reports each one', async () => {
    const health = new HealthRegistry();
    health.register('database', async () => undefined);
    health.register('kafka', () => undefined);
    const report = await health.readiness();
    expect(report.status).toBe('ready');
    expect(report.checks).toEqual({
      database: { status: 'up', durationMs: expect.any(Number) },
      kafka: { status: 'up', durationMs: expect.any(Number) },
    });
  });

  it('is not ready when a check throws or rejects, with the reason masked', async () => {
    const pan = luhnValid('622202', 16);
    const health = new HealthRegistry();
    health.register('database', async () => undefined);
    health.register('kafka', async () => {
      throw new Error(`broker down while sending ${pan}`);
    });
    health.register('sync', () => {
      throw new TypeError('bad config');
    });
    const report = await health.readiness();
    expect(report.status).toBe('not_ready');
    expect(report.checks.database.status).toBe('up');
    expect(report.checks.kafka).toMatchObject({
      status: 'down',
      error: `Error: broker down while sending ${masked(pan)}`,
    });
    expect(report.checks.sync).toMatchObject({ status: 'down', error: 'TypeError: bad config' });
  });

  it('fails a check that outlives its timeout without waiting for it', async () => {
    const health = new HealthRegistry();
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    health.register('peer', () => hanging, { timeoutMs: 20 });
    const report = await health.readiness();
    expect(report.status).toBe('not_ready');
    expect(report.checks.peer).toMatchObject({
      status: 'down',
      error: 'HealthCheckTimeoutError: timed out after 20 ms',
    });
    release();
  });

  it('shares one run between overlapping probes', async () => {
    const health = new HealthRegistry();
    let runs = 0;
    health.register('counted', async () => {
      runs++;
      await new Promise((r) => setImmediate(r));
    });
    await Promise.all([health.readiness(), health.readiness(), health.readiness()]);
    expect(runs).toBe(1);
    await health.readiness();
    expect(runs).toBe(2);
  });

  it('reports not ready once shutting down, even with healthy checks', async () => {
    const health = new HealthRegistry();
    health.register('database', () => undefined);
    health.setShuttingDown();
    expect(await health.readiness()).toMatchObject({ status: 'not_ready', shuttingDown: true });
    expect(health.liveness().status).toBe('alive');
  });

  it('refuses duplicate names and unregisters', async () => {
    const health = new HealthRegistry();
    const remove = health.register('database', () => {
      throw new Error('down');
    });
    expect(() => health.register('database', () => undefined)).toThrow(DuplicateHealthCheckError);
    remove();
    expect((await health.readiness()).status).toBe('ready');
  });
});
