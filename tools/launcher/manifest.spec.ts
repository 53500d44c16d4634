import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readManifests, selectApps } from './manifest';
import { devPkiIdentities } from './pki-identities';

describe('launch.json manifests', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'launcher-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function app(name: string, manifest: object): void {
    mkdirSync(join(root, 'apps', name), { recursive: true });
    writeFileSync(join(root, 'apps', name, 'launch.json'), JSON.stringify(manifest));
  }

  it('orders apps by `order`, then name, with defaults filled in', () => {
    app('b', { name: 'b', entry: 'apps/b/src/main.ts', order: 20, ready: { tcp: '127.0.0.1:1' } });
    app('a', { name: 'a', entry: 'apps/a/src/main.ts', order: 20, ready: { http: 'http://x' } });
    app('sim', { name: 'sim', entry: 'apps/sim/src/main.ts', order: 10, ready: { http: 'http://y' } });
    mkdirSync(join(root, 'apps', 'no-manifest'));
    const manifests = readManifests(root);
    expect(manifests.map((m) => m.name)).toEqual(['sim', 'a', 'b']);
    expect(manifests[0]).toMatchObject({ needs: [], requires: [], env: {}, simulator: false });
  });

  it('issues simulators from the counterparty CA and everything else, plus the outside callers, from the services CA', () => {
    const ready = { http: 'http://x' };
    app('sim', { name: 'sim', entry: 'apps/sim/src/main.ts', order: 5, simulator: true, ready });
    app('svc', { name: 'svc', entry: 'apps/svc/src/main.ts', order: 20, simulator: false, ready });
    app('vault', { name: 'vault', entry: 'apps/vault/src/main.ts', order: 10, ready });
    expect(devPkiIdentities(readManifests(root))).toEqual({
      services: ['vault', 'svc', 'channel', 'console', 'card-system', 'kafka', 'kafka-admin'],
      simulators: ['sim'],
    });
    app('odd', { name: 'odd', entry: 'apps/odd/src/main.ts', simulator: 'yes', ready });
    expect(() => readManifests(root)).toThrow(/apps\/odd\/launch\.json: simulator must be true or false/);
  });

  it('--only starts the named apps and, transitively, the apps they require, in start order', () => {
    const ready = { http: 'http://x' };
    app('sim', { name: 'sim', entry: 'apps/sim/src/main.ts', order: 5, ready });
    app('other', { name: 'other', entry: 'apps/other/src/main.ts', order: 7, ready });
    app('vault', { name: 'vault', entry: 'apps/vault/src/main.ts', order: 10, requires: ['sim'], ready });
    app('svc', { name: 'svc', entry: 'apps/svc/src/main.ts', order: 20, requires: ['vault'], ready });
    const manifests = readManifests(root);

    const only = selectApps(manifests, ['svc']);
    expect(only.apps.map((m) => m.name)).toEqual(['sim', 'vault', 'svc']);
    expect(only.added).toEqual(['sim', 'vault']);
    expect(selectApps(manifests, ['other']).apps.map((m) => m.name)).toEqual(['other']);
    expect(selectApps(manifests).apps).toHaveLength(4);
    expect(() => selectApps(manifests, ['svc', 'nope'])).toThrow(/--only: no app named nope/);
  });

  it('refuses a requirement that does not exist or would start later', () => {
    const ready = { http: 'http://x' };
    app('a', { name: 'a', entry: 'apps/a/src/main.ts', order: 10, requires: ['b', 'ghost'], ready });
    app('b', { name: 'b', entry: 'apps/b/src/main.ts', order: 10, ready });
    expect(() => readManifests(root)).toThrow(
      /apps\/a\/launch\.json: requires b, whose order 10 is not lower; requires unknown app ghost/,
    );
  });

  it('names the file and every problem of a broken manifest', () => {
    app('broken', { entry: 'apps/broken/main.js' });
    expect(() => readManifests(root)).toThrow(
      /apps\/broken\/launch\.json: name is required; entry must be a \.ts path; ready\.http or ready\.tcp is required/,
    );
  });
});

describe("the workspace's manifests", () => {
  const manifests = readManifests(join(__dirname, '..', '..'));

  it('mark both counterparty simulators, and only them, as simulators', () => {
    expect(devPkiIdentities(manifests).simulators.sort()).toEqual(['unionpay-sim', 'wechatpay-sim']);
  });

  it('start repayment after payment, with its database, certificate and readiness, and --only its counterparties', () => {
    const names = manifests.map((m) => m.name);
    expect(names.indexOf('repayment')).toBeGreaterThan(names.indexOf('payment'));
    const repayment = manifests.find((m) => m.name === 'repayment')!;
    expect(repayment).toMatchObject({
      needs: expect.arrayContaining(['postgres', 'kafka', 'pki']),
      migrate: 'apps/repayment/src/migrate.ts',
      ready: { http: 'http://127.0.0.1:8084/health/ready' },
    });
    // Its counterparties: WeChat Pay (papay), the UnionPay switch (readiness needs it signed on), the vault, and
    // the payment service, whose webhook forwards papay notifications to Kafka.
    const selected = selectApps(manifests, ['repayment']).apps.map((m) => m.name);
    expect(selected).toEqual(
      expect.arrayContaining(['wechatpay-sim', 'unionpay-sim', 'tokenization', 'payment']),
    );
    expect(selected.at(-1)).toBe('repayment');
  });
});
