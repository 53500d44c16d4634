import { randomBytes } from 'crypto';
import { mkdtemp, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { dropDatabase, withDatabase } from '@wxpay/persistence';
import { testDatabaseServer } from '../database';
import { freePort, TsProcess } from './processes';

export interface CardAccount {
  id: number;
  balance: { minor: number; currency: string };
  held: { minor: number; currency: string };
  available: { minor: number; currency: string };
}

/**
 * apps/unionpay-sim as its own process: its migrations run first on a fresh database, then the switch listens on
 * TLS with the test PKI; the dev acquirer bundle it writes is what the payment service loads.
 */
export class UnionPaySimProcess {
  tlsPort = 0;
  httpUrl = '';
  bundlePath = '';
  /** The admin routes' bearer token: tests run the simulator as production would, with one. */
  readonly adminToken = randomBytes(16).toString('hex');
  private proc?: TsProcess;
  private dir = '';
  private dbUrl = '';

  static async start(pkiDir: string): Promise<UnionPaySimProcess> {
    const s = new UnionPaySimProcess();
    s.dir = await mkdtemp(join(tmpdir(), 'wxpay-upsim-'));
    s.dbUrl = withDatabase(testDatabaseServer(), `wxpay_test_upsim_${randomBytes(4).toString('hex')}`);
    const env = { UNIONPAY_SIM_DATABASE_URL: s.dbUrl, LOG_LEVEL: 'warn' };
    await new TsProcess('unionpay-sim migrate', 'apps/unionpay-sim/src/migrate.ts', env).start().completes();
    const [tls, http] = [await freePort(), await freePort()];
    s.tlsPort = tls;
    s.httpUrl = `http://127.0.0.1:${http}`;
    s.proc = new TsProcess('unionpay-sim', 'apps/unionpay-sim/src/main.ts', {
      ...env,
      UNIONPAY_SIM_TLS_PORT: String(tls),
      UNIONPAY_SIM_HTTP_PORT: String(http),
      UNIONPAY_SIM_DATA_DIR: s.dir,
      PKI_DIR: pkiDir,
      UNIONPAY_SIM_ADMIN_TOKEN: s.adminToken,
    }).start();
    await s.proc.ready(`${s.httpUrl}/health/ready`);
    s.bundlePath = join(s.dir, 'keys', 'acquirer-bundle.json');
    return s;
  }

  async admin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.httpUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // text bodies (settlement files) stay text
    }
    return { status: res.status, body: parsed as T };
  }

  async seedAccount(pan: string, expiry: string, limitMinor = 10_000_000): Promise<CardAccount> {
    const r = await this.admin<CardAccount>('POST', '/admin/accounts', {
      pan,
      expiry,
      creditLimitMinor: limitMinor,
    });
    if (r.status !== 201) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async account(id: number): Promise<CardAccount> {
    return (await this.admin<CardAccount>('GET', `/admin/accounts/${id}`)).body;
  }

  async fault(rule: Record<string, unknown>): Promise<void> {
    const r = await this.admin('POST', '/admin/faults', rule);
    if (r.status >= 300) throw new Error(`fault refused: ${JSON.stringify(r.body)}`);
  }

  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/admin/faults');
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    await dropDatabase(this.dbUrl).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
