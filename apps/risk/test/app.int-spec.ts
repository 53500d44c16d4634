import { createTestDatabase, ensureDevPki, type TestDatabase } from '@wxpay/testing';
import { createRuntimeParts, bootstrapService } from '@wxpay/runtime';
import { type INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { riskGrpcEdge } from '../src/api/grpc-edge';
import { RiskAppModule } from '../src/app.module';
import { loadRiskConfig } from '../src/config';
import { RISK_MIGRATIONS } from '../src/persistence/migrations';

jest.setTimeout(60_000);

describe('risk service as main.ts runs it (Nest, health, metrics)', () => {
  const pki = mkdtempSync(join(tmpdir(), 'risk-app-pki-'));
  let db: TestDatabase;
  let app: INestApplication | undefined;
  const saved = process.env.PKI_DIR;

  beforeAll(async () => {
    await ensureDevPki({ dir: pki, services: ['risk'] });
    process.env.PKI_DIR = pki;
    db = await createTestDatabase({ migrations: RISK_MIGRATIONS, label: 'risk_app' });
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
    rmSync(pki, { recursive: true, force: true });
    process.env.PKI_DIR = saved;
  });

  it('starts with its migrations applied, reports ready (database, kafka, rules) and exposes its metrics', async () => {
    const config = loadRiskConfig({
      RISK_GRPC_PORT: '0',
      RISK_HTTP_PORT: '0',
      RISK_STREAM: 'off',
      LOG_LEVEL: 'fatal',
    });
    const parts = createRuntimeParts('risk', { level: 'fatal' });
    app = await bootstrapService({
      parts,
      module: RiskAppModule.forRoot({ config, parts, databaseUrl: db.url }),
      httpPort: 0,
      httpHost: '127.0.0.1',
      grpc: (a) => riskGrpcEdge(a, { config }),
    });
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const ready = await fetch(`${base}/health/ready`);
    const body = (await ready.json()) as { checks: Record<string, unknown> };
    expect(ready.status).toBe(200);
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'kafka', 'rules']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('risk_decision_backlog');
    expect(metrics).toContain('risk_rule_reloads_total{outcome="applied",service="risk"} 1');
  });
});
