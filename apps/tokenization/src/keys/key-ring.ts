import { canonicalFields } from '../crypto/canonical';
import { hmac, keyCheckValue } from '../crypto/vault-crypto';
import { UnknownKekVersionError } from './key-errors';

export const FINGERPRINT_KEY_NAME = 'fingerprint-key';

export function kekName(version: number): string {
  return `kek-v${version}`;
}

/**
 * The vault's keys in memory: the versioned key-encryption keys and the fingerprint key. Nothing here is ever
 * written to the database; only check values are (see key-registry.ts).
 *
 * The fingerprint key is split by purpose (HMAC-based derivation with a label) into the PAN-fingerprint key and
 * the idempotency request-hash key, so neither value can be replayed as the other.
 */
export class KeyRing {
  private readonly fingerprintSubkey: Buffer;
  private readonly requestSubkey: Buffer;
  private readonly fingerprintCheck: string;

  constructor(
    private readonly keks: ReadonlyMap<number, Buffer>,
    readonly currentVersion: number,
    fingerprintKey: Buffer,
  ) {
    if (!keks.has(currentVersion)) throw new UnknownKekVersionError(currentVersion);
    this.fingerprintCheck = keyCheckValue(fingerprintKey);
    this.fingerprintSubkey = hmac(fingerprintKey, Buffer.from('wxpay-vault pan-fingerprint v1'));
    this.requestSubkey = hmac(fingerprintKey, Buffer.from('wxpay-vault request-hash v1'));
  }

  get versions(): number[] {
    return [...this.keks.keys()].sort((a, b) => a - b);
  }

  has(version: number): boolean {
    return this.keks.has(version);
  }

  kek(version: number): Buffer {
    const key = this.keks.get(version);
    if (!key) throw new UnknownKekVersionError(version);
    return key;
  }

  /** Keyed HMAC-SM3 of the PAN (PCI DSS 3.5.1.1): equal for equal PANs, useless without the key. */
  fingerprint(pan: string): Buffer {
    const input = canonicalFields(['pan', pan]);
    try {
      return hmac(this.fingerprintSubkey, input);
    } finally {
      input.fill(0);
    }
  }

  /** Keyed hash of a request's fields for idempotency comparison; a plain hash of a PAN would be guessable. */
  requestHash(method: string, fields: readonly (string | null)[]): Buffer {
    const input = canonicalFields([method, ...fields]);
    try {
      return hmac(this.requestSubkey, input);
    } finally {
      input.fill(0);
    }
  }

  /** Check values of every loaded key, for the registry and for logs. */
  checkValues(): { name: string; checkValue: string }[] {
    return [
      ...this.versions.map((v) => ({ name: kekName(v), checkValue: keyCheckValue(this.kek(v)) })),
      { name: FINGERPRINT_KEY_NAME, checkValue: this.fingerprintCheck },
    ];
  }

  /** Overwrites the key bytes (on shutdown); the ring is unusable afterwards. */
  destroy(): void {
    for (const key of this.keks.values()) key.fill(0);
    this.fingerprintSubkey.fill(0);
    this.requestSubkey.fill(0);
  }
}
