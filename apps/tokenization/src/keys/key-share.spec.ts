import { randomKey } from '../crypto/vault-crypto';
import {
  combineShares,
  formatShareFile,
  parseEnvShare,
  parseShareFile,
  splitNewKey,
  type KeyShare,
} from './key-share';

function share(text: string, index: 1 | 2 = 1): KeyShare {
  const parsed = parseShareFile('kek-v1', index, '/keys/kek-v1.share1', text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

describe('key shares (dual control)', () => {
  it('round-trips a share file and recombines the key from two shares', () => {
    const [first, second] = splitNewKey(randomKey);
    const a = share(formatShareFile('kek-v1', 1, first), 1);
    const b = parseShareFile('kek-v1', 2, 'f2', formatShareFile('kek-v1', 2, second)) as KeyShare;
    const key = combineShares('kek-v1', a, b) as Buffer;
    expect(key).toHaveLength(16);
    expect(key.equals(first)).toBe(false);
    // Either share alone differs from the key; together they give it back (XOR).
    expect(Buffer.from(key.map((byte, i) => byte ^ first[i]!)).equals(second)).toBe(true);
  });

  it('names a share whose value does not match its check value, without showing the value', () => {
    const [first] = splitNewKey(randomKey);
    const text = formatShareFile('kek-v1', 1, first);
    const flipped = first.toString('hex').replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const problem = parseShareFile(
      'kek-v1',
      1,
      '/keys/kek-v1.share1',
      text.replace(first.toString('hex'), flipped),
    );
    expect(problem).toBe(
      "kek-v1 share 1 (file /keys/kek-v1.share1) does not match its check value: the share is mistyped, corrupted or not this key's",
    );
    expect(problem).not.toContain(flipped);
  });

  it("refuses a file holding another key's or the other custodian's share", () => {
    const [first] = splitNewKey(randomKey);
    expect(parseShareFile('kek-v1', 2, 'f', formatShareFile('kek-v1', 1, first))).toBe(
      'kek-v1 share 2 (file f) holds kek-v1 share 1',
    );
    expect(parseShareFile('kek-v2', 1, 'f', formatShareFile('kek-v1', 1, first))).toBe(
      'kek-v2 share 1 (file f) holds kek-v1 share 1',
    );
  });

  it('reads a share from an environment variable as value:check', () => {
    const [first] = splitNewKey(randomKey);
    const check = /check=(\w+)/.exec(formatShareFile('kek-v1', 1, first))![1]!;
    const ok = parseEnvShare('kek-v1', 1, 'TOKENIZATION_KEK_V1_SHARE1', `${first.toString('hex')}:${check}`);
    expect(typeof ok).not.toBe('string');
    expect(parseEnvShare('kek-v1', 1, 'TOKENIZATION_KEK_V1_SHARE1', first.toString('hex'))).toBe(
      'kek-v1 share 1 (environment TOKENIZATION_KEK_V1_SHARE1): the check value must be 6 hex digits',
    );
  });

  it('refuses two identical shares (an all-zero key)', () => {
    const [first] = splitNewKey(randomKey);
    const a = share(formatShareFile('kek-v1', 1, first), 1);
    expect(combineShares('kek-v1', a, { ...a, index: 2 })).toBe(
      'kek-v1: its two shares are identical (the key would be all zeros)',
    );
  });
});
