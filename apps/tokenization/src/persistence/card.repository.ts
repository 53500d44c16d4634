import { type EntityManager } from 'typeorm';
import { type CardStatusName } from '@wxpay/contracts';
import { type EnvelopeVersion, type SealedRecord } from '../crypto/envelope';
import { type ValidCard } from '../domain/card-input';

export interface CardRow {
  token: string;
  cardholder_ref: string;
  bin: string;
  last4: string;
  pan_length: number;
  brand: string;
  issuer: string;
  /** Envelope 1 only: since envelope 2 the expiry is sealed with the number and these are null. */
  expiry_month: string | null;
  expiry_year: string | null;
  envelope: EnvelopeVersion;
  status: CardStatusName;
  status_reason: string | null;
  pan_sealed: Buffer | null;
  dek_sealed: Buffer | null;
  kek_version: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `token, cardholder_ref, bin, last4, pan_length, brand, issuer, expiry_month, expiry_year, envelope,
  status, status_reason, pan_sealed, dek_sealed, kek_version, created_at, updated_at`;

/** Plain SQL over `card` and `card_fingerprint`; every function runs on the caller's manager (transaction). */
export const CardRepository = {
  async find(manager: EntityManager, token: string, lock = false): Promise<CardRow | undefined> {
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM card WHERE token = $1${lock ? ' FOR UPDATE' : ''}`,
      [token],
    )) as CardRow[];
    return rows[0];
  },

  async findMany(manager: EntityManager, tokens: string[]): Promise<CardRow[]> {
    return (await manager.query(`SELECT ${COLUMNS} FROM card WHERE token = ANY($1::text[])`, [
      tokens,
    ])) as CardRow[];
  },

  /**
   * Serialises the tokenizations of one cardholder for the rest of the transaction, so that looking a card up
   * under every loaded fingerprint version and claiming it under the current one is atomic even while instances
   * disagree on the current version (both versions loaded everywhere first: README, fingerprint keys).
   */
  async lockCardholder(manager: EntityManager, cardholderRef: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('vault-cardholder:' || $1, 0))`, [
      cardholderRef,
    ]);
  },

  /** The token of the card whose fingerprint, under any of the given key versions, is one of `fingerprints`. */
  async tokenByFingerprint(
    manager: EntityManager,
    cardholderRef: string,
    fingerprints: Buffer[],
  ): Promise<string | undefined> {
    const rows = (await manager.query(
      `SELECT token FROM card_fingerprint WHERE cardholder_ref = $1 AND fingerprint = ANY($2::bytea[])`,
      [cardholderRef, fingerprints],
    )) as { token: string }[];
    return rows[0]?.token;
  },

  /**
   * Claims (cardholder, fingerprint) for a new token. A concurrent claim of the same pair waits for the other
   * transaction; false means it committed first and its token is the one to use.
   */
  async claimFingerprint(
    manager: EntityManager,
    cardholderRef: string,
    fingerprint: { value: Buffer; keyVersion: number },
    token: string,
  ): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO card_fingerprint (cardholder_ref, fingerprint, key_version, token) VALUES ($1, $2, $3, $4)
       ON CONFLICT (cardholder_ref, fingerprint) DO NOTHING RETURNING token`,
      [cardholderRef, fingerprint.value, fingerprint.keyVersion, token],
    )) as unknown[];
    return rows.length === 1;
  },

  async insert(
    manager: EntityManager,
    token: string,
    card: ValidCard,
    sealed: SealedRecord,
  ): Promise<CardRow> {
    const rows = (await manager.query(
      `INSERT INTO card (token, cardholder_ref, bin, last4, pan_length, brand, issuer, envelope, status, pan_sealed,
                         dek_sealed, kek_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 2, 'ACTIVE', $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        token,
        card.cardholderRef,
        card.bin,
        card.last4,
        card.panLength,
        card.brand,
        card.issuer,
        sealed.panSealed,
        sealed.dekSealed,
        sealed.kekVersion,
      ],
    )) as CardRow[];
    return rows[0]!;
  },

  /**
   * The card sealed again (envelope 2, same data key): a later expiry, or an envelope 1 record upgraded (a deleted
   * one, which holds no card, passes null and only loses its clear expiry).
   */
  async reseal(manager: EntityManager, token: string, panSealed: Buffer | null): Promise<CardRow> {
    const [rows] = (await manager.query(
      `UPDATE card SET pan_sealed = $2, envelope = 2, expiry_month = NULL, expiry_year = NULL, updated_at = now()
        WHERE token = $1 RETURNING ${COLUMNS}`,
      [token, panSealed],
    )) as [CardRow[], number];
    return rows[0]!;
  },

  /** Envelope 1 records after `after` in token order, locked for their upgrade; another instance skips them. */
  async lockEnvelopeV1(manager: EntityManager, after: string, limit: number): Promise<CardRow[]> {
    return (await manager.query(
      `SELECT ${COLUMNS} FROM card WHERE envelope = 1 AND token > $1 ORDER BY token LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [after, limit],
    )) as CardRow[];
  },

  async setStatus(
    manager: EntityManager,
    token: string,
    status: 'ACTIVE' | 'SUSPENDED',
    reason: string | null,
  ): Promise<CardRow> {
    const [rows] = (await manager.query(
      `UPDATE card SET status = $2, status_reason = $3, updated_at = now() WHERE token = $1 RETURNING ${COLUMNS}`,
      [token, status, reason],
    )) as [CardRow[], number];
    return rows[0]!;
  },

  /**
   * Deletion erases the card number for good (PCI DSS 3.2.1): the ciphertext and the sealed data key are
   * removed, and the fingerprint goes too, so the same card tokenized again gets a new token. The row stays as
   * a tombstone with what may be shown (BIN, last 4), so the token is never reissued and GetCard can say DELETED.
   */
  async markDeleted(manager: EntityManager, token: string, reason: string | null): Promise<CardRow> {
    await manager.query(`DELETE FROM card_fingerprint WHERE token = $1`, [token]);
    const [rows] = (await manager.query(
      `UPDATE card SET status = 'DELETED', status_reason = $2, pan_sealed = NULL, dek_sealed = NULL,
              kek_version = NULL, envelope = 2, expiry_month = NULL, expiry_year = NULL, updated_at = now()
        WHERE token = $1 RETURNING ${COLUMNS}`,
      [token, reason],
    )) as [CardRow[], number];
    return rows[0]!;
  },

  async listByCardholder(
    manager: EntityManager,
    cardholderRef: string,
    includeDeleted: boolean,
  ): Promise<CardRow[]> {
    return (await manager.query(
      `SELECT ${COLUMNS} FROM card WHERE cardholder_ref = $1 ${includeDeleted ? '' : `AND status <> 'DELETED'`}
        ORDER BY created_at, token LIMIT 1000`,
      [cardholderRef],
    )) as CardRow[];
  },
};
