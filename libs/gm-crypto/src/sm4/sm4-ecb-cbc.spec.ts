import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sm4 as reference } from 'sm-crypto';
import {
  GmCryptoError,
  sm4Ctr,
  sm4DecryptCbc,
  sm4DecryptEcb,
  sm4EncryptCbc,
  sm4EncryptEcb,
  Sm4BlockCipher,
  type GmCryptoErrorCode,
} from '../index';

const h = (s: string) => Buffer.from(s, 'hex');
const KEY = h('0123456789abcdeffedcba9876543210');

function expectCode(fn: () => unknown, code: GmCryptoErrorCode): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GmCryptoError);
    expect((err as GmCryptoError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('SM4 block cipher (GB/T 32907-2016)', () => {
  it('encrypts the standard single-block example and decrypts it back', () => {
    expect(sm4EncryptEcb(KEY, KEY, { padding: 'none' }).toString('hex')).toBe(
      '681edf34d206965e86b3e94f536e4246',
    );
    expect(sm4DecryptEcb(KEY, h('681edf34d206965e86b3e94f536e4246'), { padding: 'none' })).toEqual(KEY);
  });

  it('reaches the standard example after 1,000,000 encryptions (JS block function)', () => {
    const cipher = new Sm4BlockCipher(KEY);
    let block: Buffer = Buffer.from(KEY);
    for (let i = 0; i < 1_000_000; i++) block = cipher.encryptBlocks(block);
    expect(block.toString('hex')).toBe('595298c7c6fd271f0402f804c33d3f66');
  }, 60_000);

  it('reaches the standard example after 1,000,000 encryptions (native OpenSSL context)', () => {
    const ecb = createCipheriv('sm4-ecb', KEY, null).setAutoPadding(false);
    let block: Buffer = Buffer.from(KEY);
    for (let i = 0; i < 1_000_000; i++) block = ecb.update(block);
    expect(block.toString('hex')).toBe('595298c7c6fd271f0402f804c33d3f66');
  }, 60_000);

  it('Sm4BlockCipher round-trips several blocks and rejects partial blocks', () => {
    const cipher = new Sm4BlockCipher(KEY);
    const data = randomBytes(64);
    expect(cipher.decryptBlocks(cipher.encryptBlocks(data))).toEqual(data);
    expectCode(() => cipher.encryptBlocks(randomBytes(15)), 'BAD_INPUT_LENGTH');
  });
});

describe('SM4-CBC', () => {
  const iv = h('000102030405060708090a0b0c0d0e0f');
  const plain = h('aaaaaaaabbbbbbbbccccccccddddddddeeeeeeeeffffffffaaaaaaaabbbbbbbb');

  it.each([
    ['0123456789abcdeffedcba9876543210', '78ebb11cc40b0a48312aaeb2040244cb4cb7016951909226979b0d15dc6a8f6d'],
    ['fedcba98765432100123456789abcdef', '0d3a6ddc2d21c698857215587b7bb59a91f2c147911a4144665e1fa1d40bae38'],
  ])('reproduces draft-ribose-cfrg-sm4 CBC vector for key %s', (key, cipherHex) => {
    expect(sm4EncryptCbc(h(key), plain, { iv, padding: 'none' }).toString('hex')).toBe(cipherHex);
    expect(sm4DecryptCbc(h(key), h(cipherHex), { iv, padding: 'none' })).toEqual(plain);
  });

  it('adds a whole PKCS#7 block to aligned input and strips it again', () => {
    const ct = sm4EncryptCbc(KEY, plain, { iv, padding: 'pkcs7' });
    expect(ct).toHaveLength(48);
    expect(sm4DecryptCbc(KEY, ct, { iv, padding: 'none' }).subarray(32)).toEqual(Buffer.alloc(16, 16));
    expect(sm4DecryptCbc(KEY, ct, { iv, padding: 'pkcs7' })).toEqual(plain);
  });

  it('agrees with sm-crypto in both directions on random data (CBC and ECB, PKCS#7)', () => {
    for (const length of [0, 1, 15, 16, 19, 31, 100, 1000]) {
      const key = randomBytes(16);
      const ivBytes = randomBytes(16);
      const data = randomBytes(length);
      const opts = {
        iv: Array.from(ivBytes),
        mode: 'cbc' as const,
        padding: 'pkcs#7' as const,
        output: 'array' as const,
      };
      const ours = sm4EncryptCbc(key, data, { iv: ivBytes, padding: 'pkcs7' });
      expect(Buffer.from(reference.encrypt(Array.from(data), Array.from(key), opts))).toEqual(ours);
      const theirs = Buffer.from(reference.encrypt(Array.from(data), Array.from(key), opts));
      expect(sm4DecryptCbc(key, theirs, { iv: ivBytes, padding: 'pkcs7' })).toEqual(data);

      const ecbOpts = { padding: 'pkcs#7' as const, output: 'array' as const };
      const oursEcb = sm4EncryptEcb(key, data, { padding: 'pkcs7' });
      expect(Buffer.from(reference.encrypt(Array.from(data), Array.from(key), ecbOpts))).toEqual(oursEcb);
      const theirsEcb = Buffer.from(reference.encrypt(Array.from(data), Array.from(key), ecbOpts));
      expect(sm4DecryptEcb(key, theirsEcb, { padding: 'pkcs7' })).toEqual(data);
    }
  });

  it('agrees with sm-crypto without padding', () => {
    const key = randomBytes(16);
    const ivBytes = randomBytes(16);
    const data = randomBytes(64);
    const theirs = reference.encrypt(Array.from(data), Array.from(key), {
      iv: Array.from(ivBytes),
      mode: 'cbc',
      padding: 'none',
      output: 'array',
    });
    expect(sm4EncryptCbc(key, data, { iv: ivBytes, padding: 'none' })).toEqual(Buffer.from(theirs));
  });
});

describe('JS and native paths agree at every size around the switch-over', () => {
  it.each(['ecb', 'cbc'] as const)('%s, PKCS#7 and no padding, encrypt and decrypt', (mode) => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const native = (encrypt: boolean, data: Buffer, pad: boolean) => {
      const name = mode === 'ecb' ? 'sm4-ecb' : 'sm4-cbc';
      const c = encrypt
        ? createCipheriv(name, key, mode === 'ecb' ? null : iv)
        : createDecipheriv(name, key, mode === 'ecb' ? null : iv);
      c.setAutoPadding(pad);
      return Buffer.concat([c.update(data), c.final()]);
    };
    const enc = (data: Buffer, padding: 'pkcs7' | 'none') =>
      mode === 'ecb' ? sm4EncryptEcb(key, data, { padding }) : sm4EncryptCbc(key, data, { iv, padding });
    const dec = (data: Buffer, padding: 'pkcs7' | 'none') =>
      mode === 'ecb' ? sm4DecryptEcb(key, data, { padding }) : sm4DecryptCbc(key, data, { iv, padding });
    for (let length = 0; length <= 560; length += length < 40 || (length > 480 && length < 530) ? 1 : 29) {
      const data = randomBytes(length);
      const padded = native(true, data, true);
      expect(enc(data, 'pkcs7')).toEqual(padded);
      expect(dec(padded, 'pkcs7')).toEqual(data);
      if (length % 16 === 0 && length > 0) {
        expect(enc(data, 'none')).toEqual(native(true, data, false));
        expect(dec(data, 'none')).toEqual(native(false, data, false));
      }
    }
  });

  it('rejects every malformed PKCS#7 tail on both paths', () => {
    const key = randomBytes(16);
    for (const blocks of [1, 2, 40]) {
      for (const tail of [[0], [17], [255], [3, 2], [5, 4, 4, 4], [1, ...Array(15).fill(16)]]) {
        const plain = randomBytes(blocks * 16);
        Buffer.from(tail).copy(plain, plain.length - tail.length);
        const ct = sm4EncryptEcb(key, plain, { padding: 'none' });
        expectCode(() => sm4DecryptEcb(key, ct, { padding: 'pkcs7' }), 'BAD_PADDING');
      }
    }
  });
});

describe('SM4-CTR', () => {
  it('equals E_K(counter) ⊕ data with one 128-bit big-endian counter', () => {
    const iv = h('fffffffffffffffffffffffffffffffe'); // wraps through all 128 bits after two blocks
    const data = randomBytes(50);
    const block = new Sm4BlockCipher(KEY);
    const counters = Buffer.concat(
      [0n, 1n, 2n, 3n].map((i) => {
        const v = (BigInt('0x' + iv.toString('hex')) + i) % (1n << 128n);
        return h(v.toString(16).padStart(32, '0'));
      }),
    );
    const stream = block.encryptBlocks(counters);
    const expected = Buffer.from(data.map((b, i) => b ^ stream[i]));
    expect(sm4Ctr(KEY, data, { iv })).toEqual(expected);
    expect(sm4Ctr(KEY, expected, { iv })).toEqual(data);
  });
});

describe('SM4 input validation', () => {
  const iv = randomBytes(16);

  it('rejects keys that are not 16 bytes', () => {
    for (const len of [0, 15, 17, 32]) {
      expectCode(
        () => sm4EncryptEcb(randomBytes(len), randomBytes(16), { padding: 'none' }),
        'BAD_KEY_LENGTH',
      );
      expectCode(
        () => sm4EncryptCbc(randomBytes(len), randomBytes(16), { iv, padding: 'pkcs7' }),
        'BAD_KEY_LENGTH',
      );
      expectCode(() => sm4Ctr(randomBytes(len), randomBytes(16), { iv }), 'BAD_KEY_LENGTH');
      expectCode(() => new Sm4BlockCipher(randomBytes(len)), 'BAD_KEY_LENGTH');
    }
  });

  it('never puts key bytes into error messages', () => {
    const key = randomBytes(17);
    try {
      sm4EncryptCbc(key, randomBytes(16), { iv, padding: 'pkcs7' });
    } catch (err) {
      expect((err as Error).message).toBe('SM4 key must be 16 bytes, got 17');
      expect((err as Error).message).not.toContain(key.toString('hex').slice(0, 8));
    }
  });

  it('rejects IVs that are not 16 bytes', () => {
    expectCode(
      () => sm4EncryptCbc(KEY, randomBytes(16), { iv: randomBytes(12), padding: 'pkcs7' }),
      'BAD_IV_LENGTH',
    );
    expectCode(() => sm4Ctr(KEY, randomBytes(16), { iv: randomBytes(8) }), 'BAD_IV_LENGTH');
  });

  it('rejects a missing or unknown padding option', () => {
    expectCode(() => sm4EncryptEcb(KEY, randomBytes(16), {} as never), 'BAD_OPTION');
    expectCode(() => sm4EncryptEcb(KEY, randomBytes(16), { padding: 'pkcs5' as never }), 'BAD_OPTION');
  });

  it('rejects unaligned data without padding and unaligned ciphertext', () => {
    expectCode(() => sm4EncryptCbc(KEY, randomBytes(19), { iv, padding: 'none' }), 'BAD_INPUT_LENGTH');
    expectCode(() => sm4DecryptCbc(KEY, randomBytes(31), { iv, padding: 'pkcs7' }), 'BAD_INPUT_LENGTH');
    expectCode(() => sm4DecryptEcb(KEY, Buffer.alloc(0), { padding: 'pkcs7' }), 'BAD_INPUT_LENGTH');
  });

  it('reports corrupted PKCS#7 padding as BAD_PADDING without echoing data', () => {
    const ct = sm4EncryptEcb(KEY, Buffer.alloc(16, 0x41), { padding: 'none' }); // last byte 0x41 is not valid padding
    try {
      sm4DecryptEcb(KEY, ct, { padding: 'pkcs7' });
      throw new Error('expected BAD_PADDING');
    } catch (err) {
      expect((err as GmCryptoError).code).toBe('BAD_PADDING');
      expect((err as Error).message).not.toMatch(/41|AAAA/i);
    }
  });
});
