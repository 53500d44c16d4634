import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sm4 as reference } from 'sm-crypto';
import { GmCryptoError, sm4CbcMac, sm4KeyCheckValue, sm4RetailMac, type GmCryptoErrorCode } from '../index';
import { cbcMac, keyCheckValue, padForMac, retailMac, type MacBlockCipher } from './block-mac';

const h = (s: string) => Buffer.from(s, 'hex');
const upperHex = (b: Buffer) => b.toString('hex').toUpperCase();

/** DES (K1 = K2 in two-key EDE) or two-key 3DES, to check the generic constructions against published vectors. */
function desCipher(key: Buffer): MacBlockCipher {
  const k = key.length === 8 ? Buffer.concat([key, key]) : key;
  return {
    blockSize: 8,
    encryptBlocks: (b) => createCipheriv('des-ede-ecb', k, null).setAutoPadding(false).update(b),
    decryptBlocks: (b) => createDecipheriv('des-ede-ecb', k, null).setAutoPadding(false).update(b),
    cbcEncryptZeroIv: (b) =>
      createCipheriv('des-ede-cbc', k, Buffer.alloc(8)).setAutoPadding(false).update(b),
  };
}

function expectCode(fn: () => unknown, code: GmCryptoErrorCode): void {
  expect(fn).toThrow(GmCryptoError);
  try {
    fn();
  } catch (err) {
    expect((err as GmCryptoError).code).toBe(code);
  }
}

describe('generic MAC constructions against published DES vectors', () => {
  it('ISO 9797-1 alg 1 = ANSI X9.9 (FIPS 113 example)', () => {
    const mac = cbcMac(
      desCipher(h('0123456789abcdef')),
      Buffer.from('7654321 Now is the time for ', 'ascii'),
      'zero',
    );
    expect(upperHex(mac)).toBe('F1D30F6849312CA4');
  });

  it('ISO 9797-1 alg 3 = ANSI X9.19 retail MAC', () => {
    const mac = retailMac(
      desCipher(h('0123456789abcdef')),
      desCipher(h('fedcba9876543210')),
      Buffer.from('Now is the time for all ', 'ascii'),
      'zero',
    );
    expect(upperHex(mac)).toBe('A1C72E74EA3FA9B6');
  });

  it('reproduces the fact-sheet CUPS MAB values for X9.9 and X9.19', () => {
    const mab = Buffer.from('0200 6222021234567890123 000000 000000010000 0711154841 001171', 'ascii');
    expect(upperHex(cbcMac(desCipher(h('0123456789abcdef')), mab, 'zero'))).toBe('BB446FA058196055');
    expect(
      upperHex(retailMac(desCipher(h('0123456789abcdef')), desCipher(h('fedcba9876543210')), mab, 'zero')),
    ).toBe('D2F9B36101888588');
  });

  it('key check values of the POS sign-on walkthrough (3DES and DES)', () => {
    expect(upperHex(keyCheckValue(desCipher(h('807a23ad32b36d457ae91fdf927570ea')), 4))).toBe('8D0A74B8');
    expect(upperHex(keyCheckValue(desCipher(h('5bb5c72cd00b7338')), 4))).toBe('AB7153CA');
  });

  it('pads per ISO 9797-1 methods 1 and 2', () => {
    expect(padForMac(Buffer.alloc(0), 16, 'zero')).toEqual(Buffer.alloc(16));
    expect(padForMac(Buffer.alloc(16, 1), 16, 'zero')).toEqual(Buffer.alloc(16, 1));
    expect(padForMac(Buffer.from([1, 2]), 16, 'zero')).toEqual(
      Buffer.concat([Buffer.from([1, 2]), Buffer.alloc(14)]),
    );
    expect(padForMac(Buffer.alloc(16, 1), 16, 'iso9797-m2')).toEqual(
      Buffer.concat([Buffer.alloc(16, 1), Buffer.from([0x80]), Buffer.alloc(15)]),
    );
    expect(() => padForMac(Buffer.alloc(1), 16, 'pkcs7' as never)).toThrow(GmCryptoError);
  });
});

describe('SM4 MACs and key check value', () => {
  const key = h('0123456789abcdeffedcba9876543210');
  const mab = Buffer.from('0200 6222021234567890123 000000 000000010000 0711154841 001171', 'ascii');

  it('SM4 CBC-MAC reproduces the fact-sheet value', () => {
    expect(upperHex(sm4CbcMac(key, mab, { padding: 'zero' }))).toBe('8605099FBF552BE4D752E6DC23E7BA15');
  });

  it('SM4 CBC-MAC equals the last block of sm-crypto SM4-CBC with a zero IV', () => {
    for (const length of [1, 16, 17, 100]) {
      const data = randomBytes(length);
      const k = randomBytes(16);
      const padded = padForMac(data, 16, 'iso9797-m2');
      const theirs = reference.encrypt(Array.from(padded), Array.from(k), {
        mode: 'cbc',
        iv: Array.from(Buffer.alloc(16)),
        padding: 'none',
        output: 'array',
      });
      expect(sm4CbcMac(k, data, { padding: 'iso9797-m2' })).toEqual(Buffer.from(theirs.slice(-16)));
    }
  });

  it('SM4 key check value: first 4 (or 3) bytes of E_K(0^128)', () => {
    expect(upperHex(sm4KeyCheckValue(key, { length: 4 }))).toBe('2677F46B');
    expect(upperHex(sm4KeyCheckValue(key, { length: 3 }))).toBe('2677F4');
    expectCode(() => sm4KeyCheckValue(key, { length: 8 as never }), 'BAD_OPTION');
  });

  it('SM4 retail MAC (our ISO 9797-1 alg 3 instantiation) follows its definition', () => {
    const kl = randomBytes(16);
    const kr = randomBytes(16);
    const data = randomBytes(45);
    const last = sm4CbcMac(kl, data, { padding: 'zero' });
    const ecb = (k: Buffer, b: Buffer, decrypt: boolean) =>
      Buffer.from(
        (decrypt ? reference.decrypt : reference.encrypt)(Array.from(b), Array.from(k), {
          padding: 'none',
          output: 'array',
        }),
      );
    const expected = ecb(kl, ecb(kr, last, true), false);
    expect(sm4RetailMac(Buffer.concat([kl, kr]), data, { padding: 'zero' })).toEqual(expected);
  });

  it('SM4 retail MAC degenerates to CBC-MAC when K_L = K_R (as X9.19 does to X9.9)', () => {
    const k = randomBytes(16);
    expect(sm4RetailMac(Buffer.concat([k, k]), mab, { padding: 'zero' })).toEqual(
      sm4CbcMac(k, mab, { padding: 'zero' }),
    );
  });

  it('pins the SM4 retail MAC of the fact-sheet MAB (computed here, not an official vector)', () => {
    const mac = sm4RetailMac(Buffer.concat([key, h('fedcba98765432100123456789abcdef')]), mab, {
      padding: 'zero',
    });
    // Cross-computed with sm-crypto (CBC under K_L, then ECB decrypt under K_R, encrypt under K_L).
    expect(upperHex(mac)).toBe('002A4A7390D68B1467CE9C01E264B7CB');
  });

  it('rejects wrong key lengths and a missing padding option', () => {
    expectCode(() => sm4CbcMac(randomBytes(8), mab, { padding: 'zero' }), 'BAD_KEY_LENGTH');
    expectCode(() => sm4RetailMac(randomBytes(16), mab, { padding: 'zero' }), 'BAD_KEY_LENGTH');
    expectCode(() => sm4KeyCheckValue(randomBytes(24), { length: 4 }), 'BAD_KEY_LENGTH');
    expectCode(() => sm4CbcMac(key, mab, {} as never), 'BAD_OPTION');
  });
});
