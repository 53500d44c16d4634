import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readManifests } from './manifest';

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
    expect(manifests[0]).toMatchObject({ needs: [], env: {} });
  });

  it('names the file and every problem of a broken manifest', () => {
    app('broken', { entry: 'apps/broken/main.js' });
    expect(() => readManifests(root)).toThrow(
      /apps\/broken\/launch\.json: name is required; entry must be a \.ts path; ready\.http or ready\.tcp is required/,
    );
  });
});
