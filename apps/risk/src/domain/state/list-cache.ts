export type ListKind = 'BLOCK' | 'ALLOW';
export type ListSubject = 'CARD_TOKEN' | 'DEVICE' | 'IP' | 'MERCHANT';
export const LIST_KINDS: readonly ListKind[] = ['BLOCK', 'ALLOW'];
export const LIST_SUBJECTS: readonly ListSubject[] = ['CARD_TOKEN', 'DEVICE', 'IP', 'MERCHANT'];

export interface ListEntry {
  kind: ListKind;
  subject: ListSubject;
  value: string;
  reason: string;
  createdBy: string;
  createdAt: number;
  /** Epoch ms; null = never expires. */
  expiresAt: number | null;
}

/**
 * The block and allow lists in memory. Expiry is checked against the instant being evaluated (event time), so
 * an entry stops matching the moment it expires, without waiting for a refresh, and a replay sees the lists as
 * they were meant to apply.
 */
export class ListCache {
  private readonly lists = new Map<string, Map<string, ListEntry>>();

  lookup(kind: ListKind, subject: ListSubject, value: string, at: number): ListEntry | undefined {
    if (!value) return undefined;
    const entry = this.lists.get(`${kind}:${subject}`)?.get(value);
    if (!entry) return undefined;
    return entry.expiresAt === null || entry.expiresAt > at ? entry : undefined;
  }

  put(entry: ListEntry): void {
    const key = `${entry.kind}:${entry.subject}`;
    let list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = new Map()));
    list.set(entry.value, entry);
  }

  remove(kind: ListKind, subject: ListSubject, value: string): void {
    this.lists.get(`${kind}:${subject}`)?.delete(value);
  }

  /** Swaps in a complete snapshot (periodic refresh from the database, written by any instance). */
  replaceAll(entries: Iterable<ListEntry>): void {
    this.lists.clear();
    for (const e of entries) this.put(e);
  }

  entries(now: number): ListEntry[] {
    const out: ListEntry[] = [];
    for (const list of this.lists.values())
      for (const e of list.values()) if (e.expiresAt === null || e.expiresAt > now) out.push(e);
    return out;
  }
}
