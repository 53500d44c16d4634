import { randomBytes } from 'node:crypto';
import { sm2 as reference } from 'sm-crypto';
import {
  GmCryptoError,
  Sm2PrivateKey,
  Sm2PublicKey,
  sm2Sign,
  sm2Verify,
  type GmCryptoErrorCode,
} from '../index';
import { bigintToBytes } from '../internal/bytes';
import { N } from './curve';
import { encodeTlv, encodeUnsignedInteger, TAG } from './der';
import { clearPublicKeyCache, keyEntry } from './public-key-cache';
import { messageDigest, signWithNonceSource } from './sign';
import { computeZa, userIdBytes } from './za';

const h = (s: string) => Buffer.from(s, 'hex');

function expectCode(fn: () => unknown, code: GmCryptoErrorCode): void {
  expect(fn).toThrow(GmCryptoError);
  try {
    fn();
  } catch (err) {
    expect((err as GmCryptoError).code).toBe(code);
  }
}

// GB/T 32918.5 / GM/T 0003.5 Annex A example on the recommended curve (as carried by OpenSSL's sm2_internal_test.c).
const STD = {
  d: '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  publicKey:
    '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
  message: Buffer.from('message digest', 'ascii'),
  za: 'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3',
  zaEmptyId: 'f2a1724ed3d6767e22fcd19bfb33cd8af34f59ad7fdc8747cce6acacd414f1f9',
  e: 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640',
  k: 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n,
  r: 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3',
  s: 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
};

describe('SM2 signature: standard example (GB/T 32918.5 Annex A)', () => {
  const key = Sm2PrivateKey.fromHex(STD.d);

  it('derives the public key, Z_A (default and empty ID) and e', () => {
    expect(key.publicKey.toHex()).toBe(STD.publicKey);
    expect(computeZa(userIdBytes(undefined), key.publicKey.xy).toString('hex')).toBe(STD.za);
    expect(computeZa(userIdBytes(''), key.publicKey.xy).toString('hex')).toBe(STD.zaEmptyId);
    expect(messageDigest(key.publicKey, STD.message, undefined).toString(16)).toBe(STD.e);
  });

  it('produces r and s with the fixed k, in raw and DER form', () => {
    const raw = signWithNonceSource(key, STD.message, { encoding: 'raw' }, () => STD.k);
    expect(raw.toString('hex')).toBe(STD.r + STD.s);
    const der = signWithNonceSource(key, STD.message, { encoding: 'der' }, () => STD.k);
    expect(der).toEqual(
      encodeTlv(
        TAG.SEQUENCE,
        encodeUnsignedInteger(BigInt('0x' + STD.r)),
        encodeUnsignedInteger(BigInt('0x' + STD.s)),
      ),
    );
    expect(der).toHaveLength(72); // both r and s have the top bit set, so each INTEGER carries a 00 byte
  });

  it('verifies the standard signature, also via the imported public key', () => {
    const pub = Sm2PublicKey.fromHex(STD.publicKey);
    expect(sm2Verify(pub, STD.message, h(STD.r + STD.s), { encoding: 'raw' })).toBe(true);
    expect(
      sm2Verify(pub, STD.message, h(STD.r + STD.s), { encoding: 'raw', userId: '1234567812345678' }),
    ).toBe(true);
  });
});

describe('SM2 sign/verify', () => {
  const key = Sm2PrivateKey.generate();
  const message = randomBytes(100);

  it.each(['der', 'raw'] as const)('round-trips with %s encoding and several IDs', (encoding) => {
    for (const userId of [
      undefined,
      '',
      'ALICE123@YAHOO.COM',
      '69026276696',
      Buffer.from([0, 1, 2, 255]),
      '中文标识',
    ]) {
      const sig = sm2Sign(key, message, { encoding, userId });
      expect(sm2Verify(key.publicKey, message, sig, { encoding, userId })).toBe(true);
    }
  });

  it('produces a fresh signature every time', () => {
    const a = sm2Sign(key, message, { encoding: 'raw' });
    const b = sm2Sign(key, message, { encoding: 'raw' });
    expect(a.equals(b)).toBe(false);
  });

  it('verifies on the uncached path and, from the second use, on the cached comb table', () => {
    clearPublicKeyCache();
    const pub = Sm2PublicKey.fromBytes(key.publicKey.toBytes());
    const sig = sm2Sign(key, message, { encoding: 'der' });
    expect(keyEntry(pub).table).toBeUndefined();
    expect(sm2Verify(pub, message, sig, { encoding: 'der' })).toBe(true);
    expect(keyEntry(pub).table).toBeUndefined();
    expect(sm2Verify(pub, message, sig, { encoding: 'der' })).toBe(true);
    expect(keyEntry(pub).table).toBeDefined();
    expect(sm2Verify(pub, Buffer.from('other'), sig, { encoding: 'der' })).toBe(false);
  });

  it('rejects a wrong ID, a modified message, another key and modified signatures', () => {
    const sig = sm2Sign(key, message, { encoding: 'raw', userId: 'merchant-A' });
    const verify = (m: Buffer, s: Buffer, userId: string, pub = key.publicKey) =>
      sm2Verify(pub, m, s, { encoding: 'raw', userId });
    expect(verify(message, sig, 'merchant-A')).toBe(true);
    expect(verify(message, sig, 'merchant-B')).toBe(false);
    expect(verify(message, sig, '1234567812345678')).toBe(false);
    const tampered = Buffer.from(message);
    tampered[50] ^= 0x01;
    expect(verify(tampered, sig, 'merchant-A')).toBe(false);
    expect(verify(message, sig, 'merchant-A', Sm2PrivateKey.generate().publicKey)).toBe(false);
    for (const index of [0, 31, 32, 63]) {
      const bad = Buffer.from(sig);
      bad[index] ^= 0x80;
      expect(verify(message, bad, 'merchant-A')).toBe(false);
    }
  });

  it('rejects r or s outside [1, n−1] and r + s ≡ 0 without throwing', () => {
    const raw = (r: bigint, s: bigint) => Buffer.concat([bigintToBytes(r, 32), bigintToBytes(s, 32)]);
    const sig = sm2Sign(key, message, { encoding: 'raw' });
    const r = BigInt('0x' + sig.subarray(0, 32).toString('hex'));
    const s = BigInt('0x' + sig.subarray(32).toString('hex'));
    for (const [rr, ss] of [
      [0n, s],
      [r, 0n],
      [r + N, s],
      [r, s + N],
      [N, s],
      [r, N - r],
    ]) {
      if (rr < 1n << 256n && ss < 1n << 256n) {
        expect(sm2Verify(key.publicKey, message, raw(rr, ss), { encoding: 'raw' })).toBe(false);
      }
    }
  });

  it('throws BAD_SIGNATURE_ENCODING for bytes that are not a signature in the requested encoding', () => {
    const der = sm2Sign(key, message, { encoding: 'der' });
    const raw = sm2Sign(key, message, { encoding: 'raw' });
    const verifyDer = (sig: Buffer) => () => sm2Verify(key.publicKey, message, sig, { encoding: 'der' });
    const verifyRaw = (sig: Buffer) => () => sm2Verify(key.publicKey, message, sig, { encoding: 'raw' });
    expectCode(verifyRaw(raw.subarray(0, 63)), 'BAD_SIGNATURE_ENCODING');
    expectCode(verifyRaw(der), 'BAD_SIGNATURE_ENCODING');
    expectCode(verifyDer(raw), 'BAD_SIGNATURE_ENCODING');
    expectCode(verifyDer(Buffer.concat([der, Buffer.from([0])])), 'BAD_SIGNATURE_ENCODING');
    expectCode(verifyDer(der.subarray(0, der.length - 1)), 'BAD_SIGNATURE_ENCODING');
    const padded = encodeTlv(TAG.SEQUENCE, encodeTlv(TAG.INTEGER, h('0001')), encodeUnsignedInteger(1n));
    expectCode(verifyDer(padded), 'BAD_SIGNATURE_ENCODING');
    const negative = encodeTlv(TAG.SEQUENCE, encodeTlv(TAG.INTEGER, h('80')), encodeUnsignedInteger(1n));
    expectCode(verifyDer(negative), 'BAD_SIGNATURE_ENCODING');
  });

  it('requires an explicit encoding', () => {
    expectCode(() => sm2Sign(key, message, {} as never), 'BAD_OPTION');
    expectCode(
      () => sm2Verify(key.publicKey, message, Buffer.alloc(64), { encoding: 'p1363' as never }),
      'BAD_OPTION',
    );
    expectCode(() => sm2Sign(key, message, { encoding: 'raw', userId: 'x'.repeat(8192) }), 'BAD_OPTION');
  });
});

describe('SM2 signatures interoperate with sm-crypto 0.5.8 (hash: true)', () => {
  const cases = [
    { der: false, userId: undefined },
    { der: true, userId: '1234567812345678' },
    { der: false, userId: '69026276696' },
    { der: true, userId: 'ALICE123@YAHOO.COM' },
  ];

  it.each(cases)(
    'our signatures verify there and theirs here (der=$der, userId=$userId)',
    ({ der, userId }) => {
      const encoding = der ? 'der' : 'raw';
      for (let i = 0; i < 3; i++) {
        const key = Sm2PrivateKey.generate();
        const pubHex = key.publicKey.toHex();
        const message = randomBytes(1 + i * 40);
        const ours = sm2Sign(key, message, { encoding, userId });
        expect(
          reference.doVerifySignature(Array.from(message), ours.toString('hex'), pubHex, {
            hash: true,
            der,
            userId,
          }),
        ).toBe(true);
        const theirs = reference.doSignature(Array.from(message), key.toHex(), {
          hash: true,
          der,
          userId,
          publicKey: pubHex,
        });
        expect(sm2Verify(Sm2PublicKey.fromHex(pubHex), message, h(theirs), { encoding, userId })).toBe(true);
      }
    },
  );

  it('verifies a signature from an sm-crypto generated key pair', () => {
    const pair = reference.generateKeyPairHex();
    const message = randomBytes(64);
    const theirs = reference.doSignature(Array.from(message), pair.privateKey, {
      hash: true,
      publicKey: pair.publicKey,
    });
    expect(sm2Verify(Sm2PublicKey.fromHex(pair.publicKey), message, h(theirs), { encoding: 'raw' })).toBe(
      true,
    );
    const ours = sm2Sign(Sm2PrivateKey.fromHex(pair.privateKey), message, { encoding: 'raw' });
    expect(
      reference.doVerifySignature(Array.from(message), ours.toString('hex'), pair.publicKey, { hash: true }),
    ).toBe(true);
  });
});
