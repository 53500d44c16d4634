import { type KeyRing } from '../keys/key-ring';
import { type DekCache } from './dek-cache';
import { openCard, unwrapDek, type StoredCard } from './envelope';

/** A stored card with what it takes to reach its data key. */
export type LockedCard = StoredCard & { kek_version: number | null; dek_sealed: Buffer | null };

/**
 * Runs `use` with the record's data key: the cached one, or the one unwrapped under its KEK (then cached). The
 * key is never handed out beyond `use`; a freshly unwrapped key is wiped after the cache has taken its copy.
 */
export function withDataKey<T>(
  keys: { ring: KeyRing; dekCache: DekCache },
  row: LockedCard,
  use: (dek: Buffer) => T,
): T {
  const cached = keys.dekCache.get(row.token);
  if (cached) return use(cached);
  const dek = unwrapDek(keys.ring, row.token, row.kek_version!, row.dek_sealed!);
  try {
    const result = use(dek);
    keys.dekCache.put(row.token, dek);
    return result;
  } finally {
    dek.fill(0);
  }
}

/** The card number and expiry of a live record (IntegrityError when its bytes or binding were altered). */
export function openStoredCard(keys: { ring: KeyRing; dekCache: DekCache }, row: LockedCard) {
  return withDataKey(keys, row, (dek) => openCard(dek, row));
}
