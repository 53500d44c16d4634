/**
 * A problem with the vault's key material, found at start. Messages name the key, the share and where it was
 * looked for, never a key or share value, so they can be shown to operators and logged.
 */
export class KeyMaterialError extends Error {
  override readonly name = 'KeyMaterialError';
  constructor(readonly problems: readonly string[]) {
    super(`vault key material refused:\n  - ${problems.join('\n  - ')}`);
  }
}

/** A record names a KEK version this process did not load (its shares were not configured). */
export class UnknownKekVersionError extends Error {
  override readonly name = 'UnknownKekVersionError';
  constructor(
    readonly version: number,
    what = 'KEK',
  ) {
    super(`${what} version ${version} is not loaded`);
  }
}
