import { randomBytes } from 'node:crypto';
import { GmCryptoError, Sm2PrivateKey, Sm2PublicKey, sm2Sign, sm2Verify } from '../index';
import { BUILD_TABLE_ON_USE, clearPublicKeyCache, keyEntry, MAX_CACHED_KEYS } from './public-key-cache';

describe('per-public-key precomputation cache', () => {
  beforeEach(() => clearPublicKeyCache());

  it('is shared by every object holding the same point', () => {
    const key = Sm2PrivateKey.generate().publicKey;
    const again = Sm2PublicKey.fromPem(key.toPem());
    for (let i = 0; i < BUILD_TABLE_ON_USE; i++) keyEntry(key).tableForUse();
    expect(keyEntry(again).table).toBeDefined();
  });

  it(`keeps at most ${MAX_CACHED_KEYS} keys, evicting the least recently used`, () => {
    const keys = Array.from({ length: MAX_CACHED_KEYS + 1 }, () => Sm2PrivateKey.generate().publicKey);
    for (const k of keys.slice(0, MAX_CACHED_KEYS)) keyEntry(k).uses = 7;
    keyEntry(keys[0]); // now the most recently used
    keyEntry(keys[MAX_CACHED_KEYS]); // overflow evicts keys[1], the least recently used
    expect(keyEntry(keys[0]).uses).toBe(7);
    expect(keyEntry(keys[1]).uses).toBe(0);
  });

  it('keeps verifying correctly after eviction and rebuild', () => {
    const signer = Sm2PrivateKey.generate();
    const message = randomBytes(40);
    const sig = sm2Sign(signer, message, { encoding: 'der' });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < BUILD_TABLE_ON_USE + 1; i++) {
        expect(sm2Verify(signer.publicKey, message, sig, { encoding: 'der' })).toBe(true);
      }
      clearPublicKeyCache();
    }
  });

  it('refuses objects that are not SM2 keys', () => {
    expect(() => sm2Verify({} as never, randomBytes(1), Buffer.alloc(64), { encoding: 'raw' })).toThrow(
      GmCryptoError,
    );
    expect(() => sm2Sign({} as never, randomBytes(1), { encoding: 'raw' })).toThrow(GmCryptoError);
  });
});
