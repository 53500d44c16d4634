import { canonicalFields } from '../crypto/canonical';
import { hmac, keyCheckValue } from '../crypto/vault-crypto';
import { UnknownKekVersionError } from './key-errors';

export const FINGERPRINT_KEY_NAME = 'fingerprint-key';
export const AUDIT_KEY_NAME = 'audit-key';

export function kekName(version: number): string {
  return `kek-v${version}`;
}

/** Version 1 keeps the name it had before fingerprint keys had versions, so its shares and check value stay. */
export function fingerprintKeyName(version: number): string {
  return version === 1 ? FINGERPRINT_KEY_NAME : `${FINGERPRINT_KEY_NAME}-v${version}`;
}

interface FingerprintSubkeys {
  pan: Buffer;
  request: Buffer;
  check: string;
}

/**
 * The vault's keys in memory: the versioned key-encryption keys and the versioned fingerprint keys. Nothing here
 * is ever written to the database; only check values are (see key-registry.ts).
 *
 * Each fingerprint key is split by purpose (HMAC-based derivation with a label) into the PAN-fingerprint key and
 * the idempotency request-hash key, so neither value can be replayed as the other. New cards are fingerprinted
 * under the current version; a look-up tries every loaded version (FingerprintRotation moves the old ones).
 */
export class KeyRing {
  private readonly fingerprintKeys = new Map<number, FingerprintSubkeys>();
  private readonly auditSubkey: Buffer;
  private readonly auditCheck: string;

  constructor(
    private readonly keks: ReadonlyMap<number, Buffer>,
    readonly currentVersion: number,
    fingerprintKeys: ReadonlyMap<number, Buffer>,
    readonly currentFingerprintVersion: number,
    auditKey: Buffer,
  ) {
    this.auditCheck = keyCheckValue(auditKey);
    this.auditSubkey = hmac(auditKey, Buffer.from('wxpay-vault audit-chain v2'));
    if (!keks.has(currentVersion)) throw new UnknownKekVersionError(currentVersion);
    for (const [version, key] of fingerprintKeys) {
      this.fingerprintKeys.set(version, {
        pan: hmac(key, Buffer.from('wxpay-vault pan-fingerprint v1')),
        request: hmac(key, Buffer.from('wxpay-vault request-hash v1')),
        check: keyCheckValue(key),
      });
    }
    if (!this.fingerprintKeys.has(currentFingerprintVersion)) {
      throw new UnknownKekVersionError(currentFingerprintVersion, 'fingerprint key');
    }
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

  get fingerprintVersions(): number[] {
    return [...this.fingerprintKeys.keys()].sort((a, b) => a - b);
  }

  /**
   * Keyed HMAC-SM3 of the PAN (PCI DSS 3.5.1.1): equal for equal PANs under one key version, useless without the
   * key. The current version unless told otherwise.
   */
  fingerprint(pan: string, version = this.currentFingerprintVersion): Buffer {
    const key = this.fingerprintKeys.get(version);
    if (!key) throw new UnknownKekVersionError(version, 'fingerprint key');
    const input = canonicalFields(['pan', pan]);
    try {
      return hmac(key.pan, input);
    } finally {
      input.fill(0);
    }
  }

  /** The PAN's fingerprint under every loaded version (a look-up during a rotation matches either). */
  fingerprints(pan: string): Buffer[] {
    return this.fingerprintVersions.map((v) => this.fingerprint(pan, v));
  }

  /**
   * Keyed hash of a request's fields for idempotency comparison; a plain hash of a PAN would be guessable. Under
   * the current fingerprint version: a retry that straddles a change of current version is answered as a
   * conflict (Tokenize is idempotent by content too: a new key gets the same token).
   */
  requestHash(method: string, fields: readonly (string | null)[]): Buffer {
    const input = canonicalFields([method, ...fields]);
    try {
      return hmac(this.fingerprintKeys.get(this.currentFingerprintVersion)!.request, input);
    } finally {
      input.fill(0);
    }
  }

  /**
   * The audit log's MAC (HMAC-SM3 under the audit key): chain links and checkpoints that someone with write access
   * to the database, but not the vault's key shares, cannot recompute.
   */
  auditMac(data: Buffer): Buffer {
    return hmac(this.auditSubkey, data);
  }

  /** Check values of every loaded key, for the registry and for logs. */
  checkValues(): { name: string; checkValue: string }[] {
    return [
      ...this.versions.map((v) => ({ name: kekName(v), checkValue: keyCheckValue(this.kek(v)) })),
      ...this.fingerprintVersions.map((v) => ({
        name: fingerprintKeyName(v),
        checkValue: this.fingerprintKeys.get(v)!.check,
      })),
      { name: AUDIT_KEY_NAME, checkValue: this.auditCheck },
    ];
  }

  /** Overwrites the key bytes (on shutdown); the ring is unusable afterwards. */
  destroy(): void {
    for (const key of this.keks.values()) key.fill(0);
    this.auditSubkey.fill(0);
    for (const key of this.fingerprintKeys.values()) {
      key.pan.fill(0);
      key.request.fill(0);
    }
  }
}
