import { Module } from '@nestjs/common';
import { MESSAGING_MIGRATIONS } from '@wxpay/messaging';
import { createTestDatabase, testKafkaConnection, type TestDatabase } from '@wxpay/testing';
import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { bootstrapService } from './bootstrap';
import { DatabaseModule } from './database.module';
import { MessagingModule } from './messaging.module';
import { createRuntimeParts, RuntimeModule } from './runtime.module';

class PendingMigration1732500009999 implements MigrationInterface {
  name = 'PendingMigration1732500009999';
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE later (id int)');
  }
  async down(): Promise<void> {}
}

function appModule(url: string, migrations: (new () => MigrationInterface)[]) {
  const parts = createRuntimeParts('runtime-test', { level: 'fatal' });
  @Module({
    imports: [
      RuntimeModule.forRoot(parts),
      DatabaseModule.forRoot({ service: 'runtime-test', url, migrations }),
      MessagingModule.forRoot({ service: 'runtime-test', relay: true, connection: testKafkaConnection() }),
    ],
  })
  class AppModule {}
  return { parts, module: AppModule };
}

describe('service runtime (Nest + real PostgreSQL + Kafka)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrations: MESSAGING_MIGRATIONS, label: 'runtime' });
  });
  afterAll(() => db.drop());

  it('starts, reports ready with database and kafka checks, and shuts down cleanly', async () => {
    const { parts, module } = appModule(db.url, MESSAGING_MIGRATIONS);
    const app = await bootstrapService({ parts, module, httpPort: 0, httpHost: '127.0.0.1' });
    try {
      const base = await app.getUrl();
      const ready = await fetch(`${base.replace('[::1]', '127.0.0.1')}/health/ready`);
      const body = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
      expect(ready.status).toBe(200);
      expect(Object.keys(body.checks).sort()).toEqual(['database', 'kafka']);
      const metrics = await (await fetch(`${base.replace('[::1]', '127.0.0.1')}/metrics`)).text();
      expect(metrics).toContain('service="runtime-test"');
    } finally {
      await app.close();
    }
  });

  it('refuses to start while migrations are pending', async () => {
    const { parts, module } = appModule(db.url, [...MESSAGING_MIGRATIONS, PendingMigration1732500009999]);
    await expect(bootstrapService({ parts, module, httpPort: 0, httpHost: '127.0.0.1' })).rejects.toThrow(
      'pending migrations',
    );
  });
});
