import { randomBytes } from 'node:crypto';
import { sm3 as referenceSm3 } from 'sm-crypto';
import { createHmacSm3, createSm3, GmCryptoError, hmacSm3, sm3 } from '../index';
import { sm3Kdf } from './sm3-kdf';

const hex = (b: Buffer) => b.toString('hex');

describe('SM3 (GB/T 32905-2016)', () => {
  it.each([
    ['abc', '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0'],
    ['abcd'.repeat(16), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732'],
    ['', '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b'],
  ])('hashes the standard example %j', (input, digest) => {
    expect(hex(sm3(Buffer.from(input, 'ascii')))).toBe(digest);
  });

  it('streams to the same digest as one-shot, whatever the chunking', () => {
    const data = randomBytes(1000);
    const stream = createSm3();
    for (let off = 0; off < data.length; off += 37) stream.update(data.subarray(off, off + 37));
    expect(stream.digest()).toEqual(sm3(data));
  });

  it('refuses to be used after digest()', () => {
    const stream = createSm3().update(Buffer.from('x'));
    stream.digest();
    expect(() => stream.update(Buffer.from('y'))).toThrow(GmCryptoError);
    expect(() => stream.digest()).toThrow(GmCryptoError);
  });

  it('matches sm-crypto on random inputs', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 1024, 4099]) {
      const data = randomBytes(length);
      expect(hex(sm3(data))).toBe(referenceSm3(Array.from(data)));
    }
  });
});

describe('HMAC-SM3', () => {
  it('reproduces the fact-sheet vector', () => {
    const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
    expect(hex(hmacSm3(key, Buffer.from('6222021234567890123', 'ascii')))).toBe(
      '7023295259a3145daeeb3515395e5bd2e5414fd2c981f36e67329767deada04b',
    );
  });

  it('streams like one-shot and matches sm-crypto for short and long keys', () => {
    for (const keyLength of [1, 16, 32, 64, 65, 100]) {
      const key = randomBytes(keyLength);
      const data = randomBytes(300);
      const oneShot = hmacSm3(key, data);
      expect(createHmacSm3(key).update(data.subarray(0, 100)).update(data.subarray(100)).digest()).toEqual(
        oneShot,
      );
      expect(hex(oneShot)).toBe(referenceSm3(Array.from(data), { key: Array.from(key), mode: 'hmac' }));
    }
  });
});

describe('SM3 KDF (GB/T 32918.4 §5.4.3)', () => {
  it('concatenates SM3(Z ‖ ct) blocks and truncates', () => {
    const z = randomBytes(64);
    const ct = (n: number) => Buffer.from([0, 0, 0, n]);
    const expected = Buffer.concat([
      sm3(Buffer.concat([z, ct(1)])),
      sm3(Buffer.concat([z, ct(2)])),
      sm3(Buffer.concat([z, ct(3)])),
    ]);
    expect(sm3Kdf(z, 70)).toEqual(expected.subarray(0, 70));
    expect(sm3Kdf(z, 32)).toEqual(expected.subarray(0, 32));
    expect(sm3Kdf(z, 0)).toHaveLength(0);
  });
});
