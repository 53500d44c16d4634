import { uniqueTestPan } from '@wxpay/testing';
import { KeyRing } from '../keys/key-ring';
import { canonicalFields } from './canonical';
import { openCard, rewrapDek, sealCard, sealNewRecord, unwrapDek, type StoredCard } from './envelope';
import { IntegrityError, randomKey, seal } from './vault-crypto';

const TOKEN = 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'tok_bbbbbbbbbbbbbbbbbbbbbbbbbb';
const PAN = uniqueTestPan('622588', 16);
const CARD = { pan: PAN, expiryMonth: '07', expiryYear: '2031' };

/** A stored record of envelope 2 as the repository reads it. */
const stored = (panSealed: Buffer, over: Partial<StoredCard> = {}): StoredCard => ({
  token: TOKEN,
  cardholder_ref: 'ch-1',
  envelope: 2,
  pan_sealed: panSealed,
  expiry_month: null,
  expiry_year: null,
  ...over,
});

describe('envelope encryption (SM4-GCM data key under a versioned KEK)', () => {
  const ring = new KeyRing(
    new Map([
      [1, randomKey()],
      [2, randomKey()],
    ]),
    1,
    new Map([
      [1, randomKey()],
      [2, randomKey()],
    ]),
    1,
    randomKey(),
  );

  it('round-trips number and expiry, and the ciphertext shows neither', () => {
    const sealed = sealNewRecord(ring, TOKEN, 'ch-1', CARD);
    expect(sealed.kekVersion).toBe(1);
    expect(sealed.panSealed.toString('latin1')).not.toContain(PAN);
    expect(sealed.panSealed.toString('latin1')).not.toContain('203107');
    const dek = unwrapDek(ring, TOKEN, 1, sealed.dekSealed);
    expect(openCard(dek, stored(sealed.panSealed))).toEqual(CARD);
  });

  it('binds each seal to its record: swapped rows, edited cardholder, KEK version or envelope fail', () => {
    const sealed = sealNewRecord(ring, TOKEN, 'ch-1', CARD);
    expect(() => unwrapDek(ring, OTHER, 1, sealed.dekSealed)).toThrow(IntegrityError);
    expect(() => unwrapDek(ring, TOKEN, 2, sealed.dekSealed)).toThrow(IntegrityError);
    const dek = unwrapDek(ring, TOKEN, 1, sealed.dekSealed);
    expect(() => openCard(dek, stored(sealed.panSealed, { cardholder_ref: 'ch-2' }))).toThrow(IntegrityError);
    expect(() => openCard(dek, stored(sealed.panSealed, { token: OTHER }))).toThrow(IntegrityError);
    // Relabelled as envelope 1 (whose expiry would come from clear columns), it does not open either.
    expect(() =>
      openCard(dek, stored(sealed.panSealed, { envelope: 1, expiry_month: '01', expiry_year: '2040' })),
    ).toThrow(IntegrityError);
    const flipped = Buffer.from(sealed.panSealed);
    flipped[14]! ^= 1;
    expect(() => openCard(dek, stored(flipped))).toThrow(IntegrityError);
    expect(() => openCard(dek, stored(sealed.panSealed, { pan_sealed: null }))).toThrow(IntegrityError);
  });

  it('reads an envelope 1 record (number sealed alone, expiry in its clear columns)', () => {
    const dek = randomKey();
    const v1 = seal(dek, Buffer.from(PAN, 'ascii'), canonicalFields(['pan-v1', TOKEN, 'ch-1']));
    const row = stored(v1, { envelope: 1, expiry_month: '07', expiry_year: '2031' });
    expect(openCard(dek, row)).toEqual(CARD);
    // Sealed again as envelope 2 under the same key, it no longer needs the columns.
    expect(openCard(dek, stored(sealCard(dek, TOKEN, 'ch-1', openCard(dek, row))))).toEqual(CARD);
  });

  it('re-wraps the data key under another KEK without touching the card ciphertext', () => {
    const sealed = sealNewRecord(ring, TOKEN, 'ch-1', CARD);
    const rewrapped = rewrapDek(ring, TOKEN, sealed, 2);
    const dek = unwrapDek(ring, TOKEN, 2, rewrapped);
    expect(openCard(dek, stored(sealed.panSealed))).toEqual(CARD);
  });

  it('fingerprints equal card numbers equally, under the key and its version only', () => {
    const other = new KeyRing(new Map([[1, randomKey()]]), 1, new Map([[1, randomKey()]]), 1, randomKey());
    expect(ring.fingerprint(PAN).equals(ring.fingerprint(PAN))).toBe(true);
    expect(ring.fingerprint(PAN).equals(other.fingerprint(PAN))).toBe(false);
    expect(ring.fingerprint(PAN).equals(ring.requestHash('pan', [PAN]))).toBe(false);
    expect(ring.fingerprint(PAN, 2).equals(ring.fingerprint(PAN, 1))).toBe(false);
    expect(ring.fingerprints(PAN)).toEqual([ring.fingerprint(PAN, 1), ring.fingerprint(PAN, 2)]);
    expect(() => ring.fingerprint(PAN, 3)).toThrow('fingerprint key version 3 is not loaded');
  });
});
