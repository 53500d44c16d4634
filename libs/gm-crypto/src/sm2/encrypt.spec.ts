import { randomBytes } from 'node:crypto';
import { sm2 as reference } from 'sm-crypto';
import { GmCryptoError, Sm2PrivateKey, sm2Decrypt, sm2Encrypt, type GmCryptoErrorCode } from '../index';
import { encryptWithNonceSource } from './encrypt';

const h = (s: string) => Buffer.from(s, 'hex');

function expectCode(fn: () => unknown, code: GmCryptoErrorCode): void {
  expect(fn).toThrow(GmCryptoError);
  try {
    fn();
  } catch (err) {
    expect((err as GmCryptoError).code).toBe(code);
  }
}

// GB/T 32918.5 / GM/T 0003.5 Annex C example: same key and k as the signature example.
const STD = {
  d: '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  k: 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n,
  message: Buffer.from('encryption standard', 'ascii'),
  c1:
    '04' +
    '04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73' +
    'e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0',
  c3: '59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766',
  c2: '21886ca989ca9c7d58087307ca93092d651efa',
};

describe('SM2 encryption: standard example (GB/T 32918.5 Annex C)', () => {
  const key = Sm2PrivateKey.fromHex(STD.d);

  it('produces C1 ‖ C3 ‖ C2 by default and decrypts it', () => {
    const ct = encryptWithNonceSource(key.publicKey, STD.message, undefined, () => STD.k);
    expect(ct.toString('hex')).toBe(STD.c1 + STD.c3 + STD.c2);
    expect(sm2Decrypt(key, ct)).toEqual(STD.message);
  });

  it('produces C1 ‖ C2 ‖ C3 on request and decrypts it', () => {
    const ct = encryptWithNonceSource(key.publicKey, STD.message, { mode: 'C1C2C3' }, () => STD.k);
    expect(ct.toString('hex')).toBe(STD.c1 + STD.c2 + STD.c3);
    expect(sm2Decrypt(key, ct, { mode: 'C1C2C3' })).toEqual(STD.message);
  });
});

describe('SM2 encryption', () => {
  const key = Sm2PrivateKey.generate();

  it('round-trips messages of many lengths in both layouts (uncached and cached peer key)', () => {
    for (const length of [1, 19, 31, 32, 33, 64, 65, 1000]) {
      for (const mode of ['C1C3C2', 'C1C2C3'] as const) {
        const message = randomBytes(length);
        const ct = sm2Encrypt(key.publicKey, message, { mode });
        expect(ct).toHaveLength(65 + 32 + length);
        expect(sm2Decrypt(key, ct, { mode })).toEqual(message);
      }
    }
  });

  it('uses a fresh ephemeral key every time', () => {
    const message = randomBytes(16);
    expect(sm2Encrypt(key.publicKey, message).equals(sm2Encrypt(key.publicKey, message))).toBe(false);
  });

  it('rejects truncated, modified, re-ordered or foreign ciphertexts with DECRYPT_FAILED', () => {
    const message = randomBytes(19);
    const ct = sm2Encrypt(key.publicKey, message);
    const flip = (i: number) => Buffer.from(ct.map((v, j) => (j === i ? v ^ 1 : v)));
    for (const bad of [
      ct.subarray(0, ct.length - 1),
      ct.subarray(0, 97),
      ct.subarray(1),
      Buffer.alloc(0),
      flip(0), // 04 prefix
      flip(10), // C1.x: almost surely off the curve
      flip(64), // C1.y: off the curve
      flip(70), // C3
      flip(ct.length - 1), // C2
    ]) {
      expectCode(() => sm2Decrypt(key, bad), 'DECRYPT_FAILED');
    }
    expectCode(() => sm2Decrypt(key, ct, { mode: 'C1C2C3' }), 'DECRYPT_FAILED');
    expectCode(() => sm2Decrypt(Sm2PrivateKey.generate(), ct), 'DECRYPT_FAILED');
  });

  it('rejects a C1 that is a valid encoding of a point not on the curve', () => {
    const ct = sm2Encrypt(key.publicKey, randomBytes(8));
    const offCurve = Buffer.from(ct);
    offCurve.fill(0, 1, 65);
    offCurve[64] = 1; // (0, 1) is not on sm2p256v1
    expectCode(() => sm2Decrypt(key, offCurve), 'DECRYPT_FAILED');
  });

  it('does not encrypt an empty message and validates the mode', () => {
    expectCode(() => sm2Encrypt(key.publicKey, Buffer.alloc(0)), 'BAD_INPUT_LENGTH');
    expectCode(() => sm2Encrypt(key.publicKey, Buffer.from('x'), { mode: 'C1C3C2 ' as never }), 'BAD_OPTION');
  });
});

describe('SM2 encryption interoperates with sm-crypto 0.5.8 (C1 without 04 on their side)', () => {
  it.each([
    ['C1C3C2', 1],
    ['C1C2C3', 0],
  ] as const)('%s: our ciphertext decrypts there and theirs here', (mode, cipherMode) => {
    for (const length of [1, 19, 32, 33, 100]) {
      const key = Sm2PrivateKey.generate();
      const message = randomBytes(length);
      const ours = sm2Encrypt(key.publicKey, message, { mode });
      const decryptedThere = reference.doDecrypt(ours.subarray(1).toString('hex'), key.toHex(), cipherMode, {
        output: 'array',
      }) as unknown as number[];
      expect(Buffer.from(decryptedThere)).toEqual(message);
      const theirs = reference.doEncrypt(Array.from(message), key.publicKey.toHex(), cipherMode);
      expect(sm2Decrypt(key, h('04' + theirs), { mode })).toEqual(message);
    }
  });
});
