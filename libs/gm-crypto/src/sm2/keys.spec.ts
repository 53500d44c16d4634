import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { GmCryptoError, Sm2PrivateKey, Sm2PublicKey, type GmCryptoErrorCode } from '../index';
import { bigintToBytes } from '../internal/bytes';
import { N, P } from './curve';
import { encodeTlv, TAG } from './der';
import { curveRhs, sqrtModP } from './field';

function expectCode(fn: () => unknown, code: GmCryptoErrorCode): GmCryptoError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GmCryptoError);
    expect((err as GmCryptoError).code).toBe(code);
    return err as GmCryptoError;
  }
  throw new Error(`expected ${code}`);
}

describe('SM2 key generation and raw encodings', () => {
  it('generates keys whose public point matches OpenSSL for the same scalar', () => {
    for (let i = 0; i < 5; i++) {
      const key = Sm2PrivateKey.generate();
      const ecdh = createECDH('SM2');
      ecdh.setPrivateKey(key.toBytes());
      expect(key.publicKey.toHex()).toBe(ecdh.getPublicKey('hex'));
      expect(key.publicKey.toHex({ compressed: true })).toBe(ecdh.getPublicKey('hex', 'compressed'));
    }
  });

  it('round-trips hex, raw and compressed forms', () => {
    const key = Sm2PrivateKey.generate();
    expect(Sm2PrivateKey.fromHex(key.toHex()).publicKey.equals(key.publicKey)).toBe(true);
    expect(Sm2PrivateKey.fromBytes(key.toBytes()).toHex()).toBe(key.toHex());
    const pub = key.publicKey;
    expect(Sm2PublicKey.fromBytes(pub.toBytes({ compressed: true })).equals(pub)).toBe(true);
    expect(Sm2PublicKey.fromHex(pub.toHex()).equals(pub)).toBe(true);
    expect(pub.toBytes()).toHaveLength(65);
    expect(pub.toBytes({ compressed: true })).toHaveLength(33);
  });

  it('accepts the edges of the private key range [1, n−2] and nothing outside it', () => {
    expect(Sm2PrivateKey.fromBytes(bigintToBytes(1n, 32)).publicKey.toHex()).toMatch(/^0432c4ae2c/);
    Sm2PrivateKey.fromBytes(bigintToBytes(N - 2n, 32));
    for (const d of [0n, N - 1n, N, (1n << 256n) - 1n]) {
      expectCode(() => Sm2PrivateKey.fromBytes(bigintToBytes(d, 32)), 'INVALID_PRIVATE_KEY');
    }
    expectCode(() => Sm2PrivateKey.fromBytes(Buffer.alloc(31, 1)), 'BAD_KEY_LENGTH');
    expectCode(() => Sm2PrivateKey.fromHex('xyz'), 'BAD_KEY_ENCODING');
  });
});

describe('SM2 public key validation', () => {
  const pub = Sm2PrivateKey.generate().publicKey;

  it('rejects a point that is not on the curve', () => {
    const bytes = pub.toBytes();
    bytes[64] ^= 1;
    expectCode(() => Sm2PublicKey.fromBytes(bytes), 'INVALID_POINT');
    expectCode(
      () => Sm2PublicKey.fromBytes(Buffer.concat([Buffer.from([4]), Buffer.alloc(63), Buffer.from([1])])),
      'INVALID_POINT',
    );
  });

  it('rejects coordinates ≥ p even when they reduce to a curve point', () => {
    const x = BigInt('0x' + pub.toBytes().subarray(1, 33).toString('hex'));
    const y = BigInt('0x' + pub.toBytes().subarray(33).toString('hex'));
    if (y + P < 1n << 256n) {
      const bytes = Buffer.concat([Buffer.from([4]), bigintToBytes(x, 32), bigintToBytes(y + P, 32)]);
      expectCode(() => Sm2PublicKey.fromBytes(bytes), 'INVALID_POINT');
    }
    expectCode(
      () => Sm2PublicKey.fromBytes(Buffer.concat([Buffer.from([2]), bigintToBytes(P, 32)])),
      'INVALID_POINT',
    );
  });

  it('rejects the point at infinity, x without a curve point, and unknown encodings', () => {
    expectCode(() => Sm2PublicKey.fromBytes(Buffer.from([0])), 'INVALID_POINT');
    let x = 0n;
    while (sqrtModP(curveRhs(x)) !== undefined) x++; // about half of all x have no point
    expectCode(
      () => Sm2PublicKey.fromBytes(Buffer.concat([Buffer.from([3]), bigintToBytes(x, 32)])),
      'INVALID_POINT',
    );
    expectCode(() => Sm2PublicKey.fromBytes(pub.toBytes().subarray(1)), 'BAD_KEY_ENCODING');
    expectCode(
      () => Sm2PublicKey.fromBytes(Buffer.concat([Buffer.from([6]), pub.toBytes().subarray(1)])),
      'BAD_KEY_ENCODING',
    );
  });
});

describe('SM2 PEM / DER (SPKI, PKCS#8) interoperate with OpenSSL', () => {
  it('imports Node/OpenSSL-generated SM2 keys and exports byte-identical PEM', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const spki = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const ours = Sm2PrivateKey.fromPem(pkcs8);
    expect(ours.publicKey.equals(Sm2PublicKey.fromPem(spki))).toBe(true);
    expect(ours.toPem()).toBe(pkcs8);
    expect(ours.publicKey.toPem()).toBe(spki);
    expect(Sm2PrivateKey.fromPkcs8Der(privateKey.export({ type: 'pkcs8', format: 'der' })).toHex()).toBe(
      ours.toHex(),
    );
  });

  it('exports keys OpenSSL accepts', () => {
    const key = Sm2PrivateKey.generate();
    const nodePub = createPublicKey(key.publicKey.toPem());
    expect(nodePub.export({ type: 'spki', format: 'der' })).toEqual(key.publicKey.toSpkiDer());
    const nodePriv = createPrivateKey(key.toPem());
    expect(nodePriv.export({ type: 'pkcs8', format: 'der' })).toEqual(key.toPkcs8Der());
  });

  it('rejects keys on other curves, mismatched embedded public keys and garbage', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expectCode(
      () => Sm2PrivateKey.fromPem(p256.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
      'BAD_KEY_ENCODING',
    );
    expectCode(
      () => Sm2PublicKey.fromPem(p256.publicKey.export({ type: 'spki', format: 'pem' }) as string),
      'BAD_KEY_ENCODING',
    );

    const a = Sm2PrivateKey.generate();
    const b = Sm2PrivateKey.generate();
    const der = a.toPkcs8Der();
    const spliced = Buffer.from(der);
    b.publicKey.toBytes().copy(spliced, der.length - 65); // the embedded [1] public key is the last 65 bytes
    expectCode(() => Sm2PrivateKey.fromPkcs8Der(spliced), 'BAD_KEY_ENCODING');

    expectCode(
      () => Sm2PublicKey.fromPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
      'BAD_KEY_ENCODING',
    );
    expectCode(() => Sm2PublicKey.fromPem(a.toPem()), 'BAD_KEY_ENCODING');
    expectCode(() => Sm2PrivateKey.fromPkcs8Der(Buffer.concat([der, Buffer.from([0])])), 'BAD_KEY_ENCODING');
    expectCode(() => Sm2PublicKey.fromSpkiDer(encodeTlv(TAG.SEQUENCE, Buffer.alloc(0))), 'BAD_KEY_ENCODING');
  });

  it('rejects an SPKI whose point is off the curve with INVALID_POINT', () => {
    const der = Sm2PrivateKey.generate().publicKey.toSpkiDer();
    der[der.length - 1] ^= 1;
    expectCode(() => Sm2PublicKey.fromSpkiDer(der), 'INVALID_POINT');
  });
});

describe('private key hygiene', () => {
  it('does not expose the scalar through JSON, inspect or error messages', () => {
    const key = Sm2PrivateKey.generate();
    const secretHex = key.toHex();
    expect(JSON.stringify({ key })).not.toContain(secretHex);
    expect(inspect(key, { showHidden: true, depth: 5 })).not.toContain(secretHex);
    expect(Object.values(key).map(String).join()).not.toContain(secretHex);
    const bad = secretHex.slice(0, 62) + 'zz';
    const err = expectCode(() => Sm2PrivateKey.fromHex(bad), 'BAD_KEY_ENCODING');
    expect(err.message).not.toContain(bad.slice(0, 16));
  });
});
