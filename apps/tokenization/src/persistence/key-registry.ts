import { type DataSource, type EntityManager } from 'typeorm';
import { KeyMaterialError } from '../keys/key-errors';
import { fingerprintKeyName, kekName, type KeyRing } from '../keys/key-ring';

export interface KeyRegistryReport {
  /** Records per KEK version that wraps their data key. */
  wrappedByVersion: Map<number, number>;
  /** Loaded, not current, wrapping nothing: their shares can be withdrawn. */
  unusedVersions: number[];
}

/**
 * Start-up check of the loaded keys against the database, which holds check values only (never keys):
 * - a key whose check value differs from the one registered under its name is refused (a share from another
 *   key, or a version number reused for a new key would otherwise make data unreadable or fork fingerprints);
 * - a KEK version that still wraps data keys but was not loaded is refused (its records could not be read), and so
 *   is a fingerprint key version that cards are still fingerprinted under (they would not be found);
 * - loaded versions that wrap nothing and are not current are reported as retirable.
 */
export async function reconcileKeyRegistry(ds: DataSource, ring: KeyRing): Promise<KeyRegistryReport> {
  const problems: string[] = [];
  for (const { name, checkValue } of ring.checkValues()) {
    await ds.query(
      `INSERT INTO vault_key (name, check_value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
      [name, checkValue],
    );
    const [row] = (await ds.query(`SELECT check_value FROM vault_key WHERE name = $1`, [name])) as {
      check_value: string;
    }[];
    if (row?.check_value !== checkValue) {
      problems.push(
        `${name} combined from its shares is not the key registered under that name (check values differ): ` +
          `one share belongs to another key, or the version number was reused`,
      );
    }
  }
  const wrappedByVersion = await countWrappedByVersion(ds.manager);
  for (const [version, count] of wrappedByVersion) {
    if (!ring.has(version)) {
      problems.push(
        `${count} record(s) have data keys wrapped under ${kekName(version)}, whose shares are not loaded: ` +
          `keep ${version} in TOKENIZATION_KEK_VERSIONS (with its shares) until rotation has re-wrapped them`,
      );
    }
  }
  for (const [version, count] of await fingerprintsByVersion(ds.manager)) {
    if (!ring.fingerprintVersions.includes(version)) {
      problems.push(
        `${count} card(s) are fingerprinted under ${fingerprintKeyName(version)}, whose shares are not loaded: ` +
          `keep ${version} in TOKENIZATION_FINGERPRINT_VERSIONS until the fingerprint rotation has moved them ` +
          `(their cards would not be found, and would get a second token)`,
      );
    }
  }
  if (problems.length) throw new KeyMaterialError(problems);
  // Retirement is a finding, not a lock: a version made current again (a roll-back) is in service again.
  await ds.query(`UPDATE vault_key SET retired_at = NULL WHERE name = $1`, [kekName(ring.currentVersion)]);
  const unusedVersions = ring.versions.filter((v) => v !== ring.currentVersion && !wrappedByVersion.has(v));
  return { wrappedByVersion, unusedVersions };
}

/** Fingerprints per fingerprint key version. */
export async function fingerprintsByVersion(manager: EntityManager): Promise<Map<number, number>> {
  const rows = (await manager.query(
    `SELECT key_version, count(*)::int AS n FROM card_fingerprint GROUP BY key_version`,
  )) as { key_version: number; n: number }[];
  return new Map(rows.map((r) => [r.key_version, r.n]));
}

export async function countWrappedByVersion(manager: EntityManager): Promise<Map<number, number>> {
  const rows = (await manager.query(
    `SELECT kek_version, count(*)::int AS n FROM card WHERE kek_version IS NOT NULL GROUP BY kek_version`,
  )) as { kek_version: number; n: number }[];
  return new Map(rows.map((r) => [r.kek_version, r.n]));
}

/** Marks KEK versions that wrap nothing any more as retired (kept: their check values stop a reuse). */
export async function retireUnusedKeks(manager: EntityManager, keep: number): Promise<number[]> {
  const rows = (await manager.query(
    `UPDATE vault_key k SET retired_at = now()
      WHERE k.name LIKE 'kek-v%' AND k.retired_at IS NULL AND k.name <> $1
        AND NOT EXISTS (SELECT 1 FROM card c WHERE c.kek_version = substr(k.name, 6)::int)
      RETURNING substr(k.name, 6)::int AS version`,
    [kekName(keep)],
  )) as [{ version: number }[], number];
  return rows[0].map((r) => r.version).sort((a, b) => a - b);
}
