import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { dropDatabase, withDatabase } from '@wxpay/persistence';
import { testDatabaseServer } from '../database';
import { workspaceRoot } from '../infra/workspace';
import { testBrokers } from '../kafka';
import { TsProcess } from './processes';

interface Manifest {
  name: string;
  entry: string;
  migrate?: string;
  env: Record<string, string>;
}

/**
 * Another app of the cluster as its own process, the way `npm start` runs it: its launch.json entry and default
 * environment, its migrations on a fresh database, then the overrides a test needs (ports, PKI, Kafka).
 */
export class ClusterApp {
  private proc?: TsProcess;
  private dbUrl = '';

  constructor(
    private readonly app: string,
    private readonly overrides: Record<string, string>,
  ) {}

  async start(readyUrl: string): Promise<this> {
    const manifest = JSON.parse(
      readFileSync(join(workspaceRoot(), 'apps', this.app, 'launch.json'), 'utf8'),
    ) as Manifest;
    const prefix = this.app.toUpperCase().replace(/-/g, '_');
    this.dbUrl = withDatabase(
      testDatabaseServer(),
      `wxpay_test_${prefix.toLowerCase()}_${randomBytes(4).toString('hex')}`,
    );
    const env = {
      ...manifest.env,
      [`${prefix}_DATABASE_URL`]: this.dbUrl,
      KAFKA_BROKERS: testBrokers().join(','),
      SERVICE_NAME: this.app,
      LOG_LEVEL: 'warn',
      ...this.overrides,
    };
    if (manifest.migrate)
      await new TsProcess(`${this.app} migrate`, manifest.migrate, env).start().completes();
    this.proc = new TsProcess(this.app, manifest.entry, env).start();
    await this.proc.ready(readyUrl);
    return this;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    await dropDatabase(this.dbUrl).catch(() => undefined);
  }
}
