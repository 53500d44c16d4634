import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { dropDatabase, withDatabase } from '@wxpay/persistence';
import { testDatabaseServer } from '../database';
import { testEventKeys } from '../event-keys';
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
  private env: Record<string, string> = {};
  private entry = '';
  private readyUrl = '';

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
      // Its event-signing key (when it publishes) and the producers' public keys, as `npm start` gives them.
      ...testEventKeys().env(this.app),
      ...this.overrides,
    };
    if (manifest.migrate)
      await new TsProcess(`${this.app} migrate`, manifest.migrate, env).start().completes();
    this.env = env;
    this.entry = manifest.entry;
    this.readyUrl = readyUrl;
    this.proc = new TsProcess(this.app, manifest.entry, env).start();
    await this.proc.ready(readyUrl);
    return this;
  }

  /** The app's own database (created for this run, dropped by stop()). */
  get databaseUrl(): string {
    return this.dbUrl;
  }

  get output(): readonly string[] {
    return this.proc?.output ?? [];
  }

  /** SIGKILL: no shutdown hooks run (the crash a service must survive). */
  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  /** Starts the app again on the same database and settings, after kill() or a stop of the process. */
  async restart(): Promise<void> {
    await this.proc?.stop();
    this.proc = new TsProcess(this.app, this.entry, this.env).start();
    await this.proc.ready(this.readyUrl);
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    await dropDatabase(this.dbUrl).catch(() => undefined);
  }
}
