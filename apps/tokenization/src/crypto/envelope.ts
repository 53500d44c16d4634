import { type KeyRing } from '../keys/key-ring';
import { canonicalFields } from './canonical';
import { open, randomKey, seal } from './vault-crypto';

/**
 * Envelope encryption of one card record. The PAN is sealed (SM4-GCM) under the record's own random SM4 data
 * key; the data key is sealed under a versioned KEK, whose version is stored beside it. Each seal binds the
 * record through its associated data, so bytes copied to another row, or a row whose token, cardholder or KEK
 * version was edited, fail the integrity check instead of decrypting:
 *   PAN AAD = (pan-v1, token, cardholder_ref)        data-key AAD = (dek-v1, token, kek version)
 * Rotation re-seals only the data key; the PAN ciphertext is never touched.
 */
export interface SealedRecord {
  panSealed: Buffer;
  dekSealed: Buffer;
  kekVersion: number;
}

function panAad(token: string, cardholderRef: string): Buffer {
  return canonicalFields(['pan-v1', token, cardholderRef]);
}

function dekAad(token: string, kekVersion: number): Buffer {
  return canonicalFields(['dek-v1', token, String(kekVersion)]);
}

export function sealNewRecord(
  ring: KeyRing,
  token: string,
  cardholderRef: string,
  pan: string,
): SealedRecord {
  const dek = randomKey();
  const plaintext = Buffer.from(pan, 'ascii');
  try {
    const kekVersion = ring.currentVersion;
    return {
      panSealed: seal(dek, plaintext, panAad(token, cardholderRef)),
      dekSealed: seal(ring.kek(kekVersion), dek, dekAad(token, kekVersion)),
      kekVersion,
    };
  } finally {
    plaintext.fill(0);
    dek.fill(0);
  }
}

export function unwrapDek(ring: KeyRing, token: string, kekVersion: number, dekSealed: Buffer): Buffer {
  return open(ring.kek(kekVersion), dekSealed, dekAad(token, kekVersion));
}

/** The same data key, sealed under another KEK version. */
export function rewrapDek(
  ring: KeyRing,
  token: string,
  from: { kekVersion: number; dekSealed: Buffer },
  toVersion: number,
): Buffer {
  const dek = unwrapDek(ring, token, from.kekVersion, from.dekSealed);
  try {
    return seal(ring.kek(toVersion), dek, dekAad(token, toVersion));
  } finally {
    dek.fill(0);
  }
}

export function openPan(dek: Buffer, token: string, cardholderRef: string, panSealed: Buffer): string {
  const plaintext = open(dek, panSealed, panAad(token, cardholderRef));
  try {
    return plaintext.toString('ascii');
  } finally {
    plaintext.fill(0);
  }
}
