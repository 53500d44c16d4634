import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { KeyMaterialError } from './key-errors';
import { loadKeyMaterial } from './key-material';

describe('loading key material', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vault-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (over: Partial<Parameters<typeof loadKeyMaterial>[0]> = {}) =>
    loadKeyMaterial({
      dir,
      kekVersions: [1],
      currentKekVersion: 1,
      fingerprintVersions: [1],
      currentFingerprintVersion: 1,
      devGenerate: false,
      env: {},
      ...over,
    });

  function problemsOf(fn: () => unknown): readonly string[] {
    try {
      fn();
    } catch (e) {
      if (e instanceof KeyMaterialError) return e.problems;
      throw e;
    }
    throw new Error('expected a KeyMaterialError');
  }

  it('generates both shares of each key in development, mode 0600, and loads the same keys again', () => {
    const first = load({ devGenerate: true });
    expect(first.generated.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'audit-key.share1',
      'audit-key.share2',
      'fingerprint-key.share1',
      'fingerprint-key.share2',
      'kek-v1.share1',
      'kek-v1.share2',
    ]);
    for (const path of first.generated) expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = load();
    expect(again.generated).toEqual([]);
    expect(again.ring.checkValues()).toEqual(first.ring.checkValues());
  });

  it('refuses to start in production without the shares, naming each missing one and where it looked', () => {
    const problems = problemsOf(() => load());
    expect(problems).toHaveLength(6); // two shares each of kek-v1, fingerprint-key and audit-key
    expect(problems[0]).toBe(
      `kek-v1 share 1 is missing (looked for file ${join(dir, 'kek-v1.share1')} or environment ` +
        `TOKENIZATION_KEK_V1_SHARE1); both custodians' shares are required`,
    );
  });

  it('never generates half a key: one share present and one missing is refused even in development', () => {
    load({ devGenerate: true });
    rmSync(join(dir, 'kek-v1.share2'));
    expect(problemsOf(() => load({ devGenerate: true }))).toEqual([
      expect.stringMatching(/^kek-v1 share 2 is missing/),
    ]);
  });

  it('detects a corrupted share and names it without revealing it', () => {
    load({ devGenerate: true });
    const path = join(dir, 'kek-v1.share2');
    const text = readFileSync(path, 'utf8');
    const value = /value=(\w+)/.exec(text)![1]!;
    const corrupted = `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
    writeFileSync(path, text.replace(value, corrupted));
    const problems = problemsOf(() => load());
    expect(problems).toEqual([
      expect.stringContaining(`kek-v1 share 2 (file ${path}) does not match its check value`),
    ]);
    expect(problems.join()).not.toContain(corrupted);
    expect(problems.join()).not.toContain(value);
  });

  it('takes a share from the environment before the file (custodians may deliver them differently)', () => {
    const generated = load({ devGenerate: true });
    const text = readFileSync(join(dir, 'kek-v1.share1'), 'utf8');
    rmSync(join(dir, 'kek-v1.share1'));
    const env = {
      TOKENIZATION_KEK_V1_SHARE1: `${/value=(\w+)/.exec(text)![1]}:${/check=(\w+)/.exec(text)![1]}`,
    };
    expect(load({ env }).ring.checkValues()).toEqual(generated.ring.checkValues());
  });
});
