import { Sm2PrivateKey } from '@wxpay/gm-crypto';
import { IsoMessage } from '../codec/iso-message';
import { UnionPayRequestError, UnionPaySecurityError } from '../errors/unionpay-errors';
import { applyMac, buildMacBlock, computeMac, sm4MacOfBlock, verifyMac } from './mac';
import { requirePan } from './pan';
import { keyGenerationOf, nextGeneration, securityControl } from './security-control';
import { decryptSensitiveData, encryptSensitiveData } from './sensitive-data';
import {
  newNonce,
  NO_KEYS_KCV,
  signOnRequestField,
  signOnResponseField,
  verifySignOnRequest,
  verifySignOnResponse,
} from './sign-on';
import { decodeKeyBlock, encodeKeyBlock, generateWorkingKeys, keyCheckValue } from './working-keys';

const STANDARD_KEY = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');

function securityError(fn: () => unknown): UnionPaySecurityError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UnionPaySecurityError);
    return e as UnionPaySecurityError;
  }
  throw new Error('expected a UnionPaySecurityError');
}

describe('MAC (SM4 CBC-MAC over the CUPS MAC block)', () => {
  it("matches the fact sheet's computed SM4 CBC-MAC vector (§2.6)", () => {
    const mab = Buffer.from('0200 6222021234567890123 000000 000000010000 0711154841 001171', 'latin1');
    expect(sm4MacOfBlock(STANDARD_KEY, mab).toString('hex').toUpperCase()).toBe(
      '8605099FBF552BE4D752E6DC23E7BA15',
    );
  });

  it('builds the MAC block from every field but the MAC, each numbered and length-prefixed, bytes as they are', () => {
    const m = new IsoMessage('0200')
      .set(3, '000000')
      .set(42, 'shop-no_1  (x) ')
      .set(43, 'Not in the old selection')
      .set(62, Buffer.from('0aff', 'hex'))
      .set(128, Buffer.alloc(8));
    expect(buildMacBlock(m)).toEqual(
      Buffer.concat([
        Buffer.from(
          'MTI00040200' + '0030006000000' + '0420015shop-no_1  (x) ' + '0430024Not in the old selection',
        ),
        Buffer.from('0620002', 'latin1'),
        Buffer.from('0aff', 'hex'),
      ]),
    );
  });

  it('gives different MACs to messages that differ only in F42 case, in punctuation or in any one field', () => {
    const base = () =>
      new IsoMessage('0200')
        .set(3, '000000')
        .set(4, '000000010000')
        .set(42, '898440000000001')
        .set(43, 'Shop');
    const macOf = (m: IsoMessage) => computeMac(STANDARD_KEY, m).toString('hex');
    const variants = [
      base(),
      base().set(42, 'SHOP-A'),
      base().set(42, 'shop-a'),
      base().set(43, 'Shop.'),
      base().set(43, 'Shop '),
      base().set(48, 'X'),
      base().set(43, 'Sho').set(44, 'p'),
    ];
    expect(new Set(variants.map(macOf)).size).toBe(variants.length);
  });

  it('keeps the leftmost 8 bytes in F128 and verifies them', () => {
    const m = new IsoMessage('0200').set(3, '000000').set(11, '000001');
    applyMac(m, STANDARD_KEY);
    expect(m.binary(128)).toEqual(computeMac(STANDARD_KEY, m));
    expect(m.binary(128)).toHaveLength(8);
    expect(() => verifyMac(m, STANDARD_KEY)).not.toThrow();
  });

  it('refuses a changed field, a wrong key and a missing MAC', () => {
    const m = applyMac(new IsoMessage('0200').set(3, '000000').set(4, '000000010000'), STANDARD_KEY);
    const tampered = m.clone().set(4, '000000990000');
    expect(securityError(() => verifyMac(tampered, STANDARD_KEY)).code).toBe('MAC_MISMATCH');
    expect(securityError(() => verifyMac(m, Buffer.alloc(16, 1))).code).toBe('MAC_MISMATCH');
    expect(securityError(() => verifyMac(m.clone().delete(128), STANDARD_KEY)).code).toBe('MAC_MISSING');
  });
});

describe('working keys', () => {
  it("computes the fact sheet's SM4 key check value (§2.7)", () => {
    expect(keyCheckValue(STANDARD_KEY)).toBe('2677F46B');
  });

  it('protects PIN/MAC/data keys in a key block bound to their usage and generation, and unwraps them', () => {
    const zone = generateWorkingKeys(1).macKey;
    const keys = generateWorkingKeys(7);
    const block = encodeKeyBlock(zone, keys);
    expect(block).toMatch(/^KX0207P0[0-9A-F]{96}M1[0-9A-F]{96}D0[0-9A-F]{96}$/);
    expect(block).not.toContain(keys.macKey.toString('hex').toUpperCase());
    expect(decodeKeyBlock(zone, block)).toEqual(keys);
  });

  it('refuses a wrong zone key, an altered key, a key moved to another usage and a changed generation', () => {
    const zone = generateWorkingKeys(1).macKey;
    const block = encodeKeyBlock(zone, generateWorkingKeys(2));
    expect(securityError(() => decodeKeyBlock(Buffer.alloc(16, 9), block)).code).toBe('BAD_KEY_BLOCK');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === '0' ? '1' : '0') + s.slice(i + 1);
    expect(securityError(() => decodeKeyBlock(zone, flip(block, 40))).code).toBe('BAD_KEY_BLOCK');
    // The MAC key's protected bytes and KCV put where the data key goes, labels kept: its binding says M1.
    const entry = (i: number) => block.slice(6 + i * 98, 6 + (i + 1) * 98);
    const swapped = `${block.slice(0, 6)}${entry(0)}M1${entry(2).slice(2)}D0${entry(1).slice(2)}`;
    expect(securityError(() => decodeKeyBlock(zone, swapped)).code).toBe('BAD_KEY_BLOCK');
    expect(securityError(() => decodeKeyBlock(zone, `KX0203${block.slice(6)}`)).code).toBe('BAD_KEY_BLOCK');
    expect(securityError(() => decodeKeyBlock(zone, flip(block, block.length - 1))).code).toBe(
      'KCV_MISMATCH',
    );
    expect(securityError(() => decodeKeyBlock(zone, block.slice(1))).code).toBe('BAD_KEY_BLOCK');
  });

  it('names the key generation in F53 and cycles generations 01-99', () => {
    expect(securityControl(7)).toBe('2407000000000000');
    expect(keyGenerationOf('2407000000000000')).toBe(7);
    expect(securityError(() => keyGenerationOf('2000000000000000')).code).toBe('UNKNOWN_KEY_GENERATION');
    expect(nextGeneration(99)).toBe(1);
  });
});

describe('sensitive data (F62)', () => {
  const pan = '6222021234567890128';

  it('encrypts PAN and expiry under the data key with a fresh IV each time', () => {
    const key = generateWorkingKeys(1).dataKey;
    const a = encryptSensitiveData(key, { pan, expiry: '2712' });
    const b = encryptSensitiveData(key, { pan, expiry: '2712' });
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain(pan);
    expect(decryptSensitiveData(key, a)).toEqual({ pan, expiry: '2712' });
    expect(decryptSensitiveData(key, encryptSensitiveData(key, { pan }))).toEqual({ pan });
  });

  it('fails closed under the wrong key, without echoing anything', () => {
    const block = encryptSensitiveData(generateWorkingKeys(1).dataKey, { pan });
    const err = securityError(() => decryptSensitiveData(generateWorkingKeys(1).dataKey, block));
    expect(err.code).toBe('BAD_SENSITIVE_DATA');
    expect(err.message).not.toContain(pan);
    expect(securityError(() => decryptSensitiveData(STANDARD_KEY, Buffer.alloc(8))).code).toBe(
      'BAD_SENSITIVE_DATA',
    );
  });
});

describe('SM2 sign-on', () => {
  const acquirer = Sm2PrivateKey.generate();
  const switchKey = Sm2PrivateKey.generate();
  const ctx = { transmissionDateTime: '0711154841', stan: '000001', acquirerId: '49990000' };

  it('authenticates the acquirer to the switch and the switch to the acquirer', () => {
    const nonce = newNonce();
    const request = signOnRequestField(ctx, nonce, acquirer);
    expect(verifySignOnRequest(ctx, request, acquirer.publicKey)).toBe(nonce);
    const response = signOnResponseField(ctx, nonce, NO_KEYS_KCV, switchKey, '00010000');
    expect(verifySignOnResponse(ctx, nonce, response, switchKey.publicKey, '00010000')).toBe(NO_KEYS_KCV);
  });

  it('refuses another key, another transcript and a replayed answer', () => {
    const nonce = newNonce();
    const request = signOnRequestField(ctx, nonce, acquirer);
    expect(securityError(() => verifySignOnRequest(ctx, request, switchKey.publicKey)).code).toBe(
      'BAD_SIGNATURE',
    );
    expect(
      securityError(() => verifySignOnRequest({ ...ctx, stan: '000002' }, request, acquirer.publicKey)).code,
    ).toBe('BAD_SIGNATURE');
    const response = signOnResponseField(ctx, nonce, NO_KEYS_KCV, switchKey, '00010000');
    expect(
      securityError(() => verifySignOnResponse(ctx, newNonce(), response, switchKey.publicKey, '00010000'))
        .code,
    ).toBe('BAD_SIGNATURE');
    expect(securityError(() => verifySignOnRequest(ctx, 'SO01xyz', acquirer.publicKey)).code).toBe(
      'BAD_SIGNATURE',
    );
  });
});

describe('PAN handling', () => {
  it('accepts Luhn-valid PANs and never echoes a rejected one', () => {
    expect(requirePan('6222021234567890128')).toBe('6222021234567890128');
    for (const bad of ['6222021234567890123', '12345', 'abcd']) {
      try {
        requirePan(bad);
        throw new Error('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(UnionPayRequestError);
        expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});
