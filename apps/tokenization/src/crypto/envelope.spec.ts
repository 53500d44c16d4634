import { KeyRing } from '../keys/key-ring';
import { openPan, rewrapDek, sealNewRecord, unwrapDek } from './envelope';
import { IntegrityError, randomKey } from './vault-crypto';

const TOKEN = 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'tok_bbbbbbbbbbbbbbbbbbbbbbbbbb';
const PAN = '6225881234567894';

describe('envelope encryption (SM4-GCM data key under a versioned KEK)', () => {
  const ring = new KeyRing(
    new Map([
      [1, randomKey()],
      [2, randomKey()],
    ]),
    1,
    randomKey(),
  );

  it('round-trips, and the ciphertext shows nothing of the card number', () => {
    const sealed = sealNewRecord(ring, TOKEN, 'ch-1', PAN);
    expect(sealed.kekVersion).toBe(1);
    expect(sealed.panSealed.toString('latin1')).not.toContain(PAN);
    const dek = unwrapDek(ring, TOKEN, 1, sealed.dekSealed);
    expect(openPan(dek, TOKEN, 'ch-1', sealed.panSealed)).toBe(PAN);
  });

  it('binds each seal to its record: swapped rows, edited cardholder or KEK version fail', () => {
    const sealed = sealNewRecord(ring, TOKEN, 'ch-1', PAN);
    expect(() => unwrapDek(ring, OTHER, 1, sealed.dekSealed)).toThrow(IntegrityError);
    expect(() => unwrapDek(ring, TOKEN, 2, sealed.dekSealed)).toThrow(IntegrityError);
    const dek = unwrapDek(ring, TOKEN, 1, sealed.dekSealed);
    expect(() => openPan(dek, TOKEN, 'ch-2', sealed.panSealed)).toThrow(IntegrityError);
    expect(() => openPan(dek, OTHER, 'ch-1', sealed.panSealed)).toThrow(IntegrityError);
    const flipped = Buffer.from(sealed.panSealed);
    flipped[14]! ^= 1;
    expect(() => openPan(dek, TOKEN, 'ch-1', flipped)).toThrow(IntegrityError);
  });

  it('re-wraps the data key under another KEK without touching the card ciphertext', () => {
    const sealed = sealNewRecord(ring, TOKEN, 'ch-1', PAN);
    const rewrapped = rewrapDek(ring, TOKEN, sealed, 2);
    const dek = unwrapDek(ring, TOKEN, 2, rewrapped);
    expect(openPan(dek, TOKEN, 'ch-1', sealed.panSealed)).toBe(PAN);
  });

  it('fingerprints equal card numbers equally, under the key only', () => {
    const other = new KeyRing(new Map([[1, randomKey()]]), 1, randomKey());
    expect(ring.fingerprint(PAN).equals(ring.fingerprint(PAN))).toBe(true);
    expect(ring.fingerprint(PAN).equals(other.fingerprint(PAN))).toBe(false);
    expect(ring.fingerprint(PAN).equals(ring.requestHash('pan', [PAN]))).toBe(false);
  });
});
