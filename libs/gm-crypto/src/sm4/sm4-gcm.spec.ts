import { randomBytes } from 'node:crypto';
import { sm4 as reference } from 'sm-crypto';
import { GmCryptoError, sm4GcmDecrypt, sm4GcmEncrypt, type GmCryptoErrorCode } from '../index';
import { ghash, ghashTable } from './ghash';
import { gctr, release, setup } from './sm4-gcm';

const h = (s: string) => Buffer.from(s, 'hex');

// ---- Independent reference: SP 800-38D written bit by bit with BigInt, SM4 blocks from sm-crypto. ----
const toBig = (b: Buffer) => BigInt('0x' + (b.length ? b.toString('hex') : '0'));
const toBlock = (v: bigint) => h(v.toString(16).padStart(32, '0'));
const R = 0xe1n << 120n;

function gfMultiply(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

function referenceGhash(hKey: Buffer, aad: Buffer, data: Buffer): Buffer {
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((16 - (b.length % 16)) % 16)]);
  const lengths = Buffer.alloc(16);
  lengths.writeBigUInt64BE(BigInt(aad.length * 8), 0);
  lengths.writeBigUInt64BE(BigInt(data.length * 8), 8);
  const all = Buffer.concat([pad(aad), pad(data), lengths]);
  let y = 0n;
  const hv = toBig(hKey);
  for (let off = 0; off < all.length; off += 16) y = gfMultiply(y ^ toBig(all.subarray(off, off + 16)), hv);
  return toBlock(y);
}

const ecb = (key: Buffer, block: Buffer) =>
  Buffer.from(reference.encrypt(Array.from(block), Array.from(key), { padding: 'none', output: 'array' }));

function referenceGcm(key: Buffer, iv: Buffer, plain: Buffer, aad: Buffer) {
  const hKey = ecb(key, Buffer.alloc(16));
  const j0 =
    iv.length === 12 ? Buffer.concat([iv, h('00000001')]) : referenceGhash(hKey, Buffer.alloc(0), iv);
  const out = Buffer.alloc(plain.length);
  for (let b = 0; b * 16 < plain.length; b++) {
    const counter = Buffer.from(j0);
    counter.writeUInt32BE((j0.readUInt32BE(12) + b + 1) >>> 0, 12);
    const stream = ecb(key, counter);
    for (let i = b * 16; i < Math.min(plain.length, b * 16 + 16); i++) out[i] = plain[i] ^ stream[i - b * 16];
  }
  const s = referenceGhash(hKey, aad, out);
  const mask = ecb(key, j0);
  return { ciphertext: out, tag: Buffer.from(s.map((v, i) => v ^ mask[i])) };
}

function expectCode(fn: () => unknown, code: GmCryptoErrorCode): void {
  expect(fn).toThrow(GmCryptoError);
  try {
    fn();
  } catch (err) {
    expect((err as GmCryptoError).code).toBe(code);
  }
}

describe('SM4-GCM (RFC 8998)', () => {
  const key = h('0123456789abcdeffedcba9876543210');
  const iv = h('00001234567800000000abcd');
  const aad = h('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const plain = h(
    'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa',
  );
  const cipherHex =
    '17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d';
  const tagHex = '83de3541e4c2b58177e065a9bf7b62ec';

  it('reproduces the RFC 8998 Appendix A vector', () => {
    const sealed = sm4GcmEncrypt(key, plain, { iv, aad });
    expect(sealed.ciphertext.toString('hex')).toBe(cipherHex);
    expect(sealed.tag.toString('hex')).toBe(tagHex);
    expect(sm4GcmDecrypt(key, h(cipherHex), { iv, aad, tag: h(tagHex) })).toEqual(plain);
  });

  it('rejects a tampered tag, ciphertext, AAD or IV with TAG_MISMATCH', () => {
    const ct = h(cipherHex);
    const tag = h(tagHex);
    const flip = (b: Buffer, i: number) => Buffer.from(b.map((v, j) => (j === i ? v ^ 1 : v)));
    expectCode(() => sm4GcmDecrypt(key, ct, { iv, aad, tag: flip(tag, 15) }), 'TAG_MISMATCH');
    expectCode(() => sm4GcmDecrypt(key, flip(ct, 0), { iv, aad, tag }), 'TAG_MISMATCH');
    expectCode(() => sm4GcmDecrypt(key, ct, { iv, aad: flip(aad, 3), tag }), 'TAG_MISMATCH');
    expectCode(() => sm4GcmDecrypt(key, ct, { iv, tag }), 'TAG_MISMATCH');
    expectCode(() => sm4GcmDecrypt(key, ct, { iv: flip(iv, 11), aad, tag }), 'TAG_MISMATCH');
    expectCode(() => sm4GcmDecrypt(key, ct.subarray(0, 63), { iv, aad, tag }), 'TAG_MISMATCH');
  });

  it('rejects a truncated tag, bad key and empty IV', () => {
    const tag = h(tagHex);
    expectCode(
      () => sm4GcmDecrypt(key, h(cipherHex), { iv, aad, tag: tag.subarray(0, 12) }),
      'BAD_INPUT_LENGTH',
    );
    expectCode(() => sm4GcmEncrypt(key.subarray(0, 15), plain, { iv }), 'BAD_KEY_LENGTH');
    expectCode(() => sm4GcmEncrypt(key, plain, { iv: Buffer.alloc(0) }), 'BAD_IV_LENGTH');
  });

  it('matches a bit-by-bit reference for random lengths, IV sizes and AAD (both code paths)', () => {
    for (const [ivLength, length, aadLength] of [
      [12, 0, 0],
      [12, 19, 13],
      [12, 16, 0],
      [12, 511, 17],
      [12, 513, 0],
      [1, 33, 5],
      [8, 100, 64],
      [16, 700, 3],
      [60, 48, 0],
    ]) {
      const k = randomBytes(16);
      const nonce = randomBytes(ivLength);
      const p = randomBytes(length);
      const a = randomBytes(aadLength);
      const expected = referenceGcm(k, nonce, p, a);
      const sealed = sm4GcmEncrypt(k, p, { iv: nonce, aad: a });
      expect(sealed).toEqual(expected);
      expect(sm4GcmDecrypt(k, sealed.ciphertext, { iv: nonce, aad: a, tag: sealed.tag })).toEqual(p);
    }
  });
});

describe('GHASH tables', () => {
  it('agree with the bitwise definition for random H and data', () => {
    for (let i = 0; i < 20; i++) {
      const hKey = randomBytes(16);
      const aad = randomBytes(i * 3);
      const data = randomBytes(i * 7 + 1);
      expect(ghash(ghashTable(hKey), aad, data)).toEqual(referenceGhash(hKey, aad, data));
    }
  });
});

describe('GCTR counter (inc32)', () => {
  // Only the low 32 bits of the counter block increment in GCM; native sm4-ctr would carry into bit 32.
  it.each([
    ['small-message path', 'fffffffe', 5],
    ['native CTR path', 'fffffff0', 40],
  ])('wraps the low 32 bits without carrying (%s)', (_path, low, blocks) => {
    const key = randomBytes(16);
    const ctx = setup(key, randomBytes(12));
    ctx.j0 = Buffer.concat([ctx.j0.subarray(0, 12), h(low)]);
    const input = randomBytes(blocks * 16 - 3);
    const { tagMask, output } = gctr(ctx, input);
    release(ctx);
    expect(tagMask).toEqual(ecb(key, ctx.j0));
    for (let b = 0; b < blocks; b++) {
      const counter = Buffer.from(ctx.j0);
      counter.writeUInt32BE((ctx.j0.readUInt32BE(12) + b + 1) >>> 0, 12);
      const stream = ecb(key, counter);
      const end = Math.min(input.length, b * 16 + 16);
      for (let i = b * 16; i < end; i++) expect(output[i]).toBe(input[i] ^ stream[i - b * 16]);
    }
  });
});
