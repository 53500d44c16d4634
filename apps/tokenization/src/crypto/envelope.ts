import { type KeyRing } from '../keys/key-ring';
import { canonicalFields } from './canonical';
import { IntegrityError, open, randomKey, seal } from './vault-crypto';

/**
 * Envelope encryption of one card record. The card (number and expiry) is sealed (SM4-GCM) under the record's own
 * random SM4 data key; the data key is sealed under a versioned KEK, whose version is stored beside it. Each seal
 * binds the record through its associated data, so bytes copied to another row, or a row whose token, cardholder
 * or KEK version was edited, fail the integrity check instead of decrypting:
 *   card AAD = (card-v2, token, cardholder_ref)       data-key AAD = (dek-v1, token, kek version)
 * Rotation re-seals only the data key; the card ciphertext is never touched. Envelope 1 (`pan-v1`) sealed the
 * number alone and kept the expiry in clear columns; such rows are still read, and EnvelopeUpgrade re-seals them.
 */
export type EnvelopeVersion = 1 | 2;

/** What the envelope protects: never in a clear column (PCI DSS 3.5.1 for the number; the expiry goes with it). */
export interface SealedCard {
  pan: string;
  expiryMonth: string;
  expiryYear: string;
}

export interface SealedRecord {
  panSealed: Buffer;
  dekSealed: Buffer;
  kekVersion: number;
}

function panAad(token: string, cardholderRef: string): Buffer {
  return canonicalFields(['pan-v1', token, cardholderRef]);
}

function cardAad(token: string, cardholderRef: string): Buffer {
  return canonicalFields(['card-v2', token, cardholderRef]);
}

/** `<pan>=<yyyy><mm>`, as a track's PAN and expiry are joined: ASCII digits around one separator. */
const CARD_PLAINTEXT = /^(\d{13,19})=(\d{4})(0[1-9]|1[0-2])$/;

function dekAad(token: string, kekVersion: number): Buffer {
  return canonicalFields(['dek-v1', token, String(kekVersion)]);
}

export function sealNewRecord(
  ring: KeyRing,
  token: string,
  cardholderRef: string,
  card: SealedCard,
): SealedRecord {
  const dek = randomKey();
  try {
    const kekVersion = ring.currentVersion;
    return {
      panSealed: sealCard(dek, token, cardholderRef, card),
      dekSealed: seal(ring.kek(kekVersion), dek, dekAad(token, kekVersion)),
      kekVersion,
    };
  } finally {
    dek.fill(0);
  }
}

/**
 * The card sealed (envelope 2) under its record's data key. A record is sealed again under the same data key
 * when a reissued card brings a later expiry, or when EnvelopeUpgrade moves it from envelope 1: each seal draws
 * a fresh random IV, and other instances' cached copies of the data key stay valid.
 */
export function sealCard(dek: Buffer, token: string, cardholderRef: string, card: SealedCard): Buffer {
  const plaintext = Buffer.from(`${card.pan}=${card.expiryYear}${card.expiryMonth}`, 'ascii');
  try {
    return seal(dek, plaintext, cardAad(token, cardholderRef));
  } finally {
    plaintext.fill(0);
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

/** A stored record as far as opening it goes (envelope 1 rows carry their expiry in clear columns). */
export interface StoredCard {
  token: string;
  cardholder_ref: string;
  envelope: EnvelopeVersion;
  /** Null once the record is deleted. */
  pan_sealed: Buffer | null;
  expiry_month: string | null;
  expiry_year: string | null;
}

export function openCard(dek: Buffer, row: StoredCard): SealedCard {
  if (!row.pan_sealed) throw new IntegrityError('the record holds no card (deleted)');
  if (row.envelope === 1) {
    const plaintext = open(dek, row.pan_sealed, panAad(row.token, row.cardholder_ref));
    try {
      return {
        pan: plaintext.toString('ascii'),
        expiryMonth: row.expiry_month!,
        expiryYear: row.expiry_year!,
      };
    } finally {
      plaintext.fill(0);
    }
  }
  const plaintext = open(dek, row.pan_sealed, cardAad(row.token, row.cardholder_ref));
  try {
    const fields = CARD_PLAINTEXT.exec(plaintext.toString('ascii'));
    if (!fields) throw new IntegrityError('sealed card has an unknown layout');
    return { pan: fields[1]!, expiryYear: fields[2]!, expiryMonth: fields[3]! };
  } finally {
    plaintext.fill(0);
  }
}
